/**
 * Builds DynamoDB expressions with every attribute name and value aliased, so
 * reserved words (`date`, `state`, ...) and odd characters never matter.
 */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly nameAlias = new Map<string, string>();
  private valueCount = 0;

  name(attribute: string): string {
    let alias = this.nameAlias.get(attribute);
    if (!alias) {
      alias = `#n${this.nameAlias.size}`;
      this.nameAlias.set(attribute, alias);
      this.names[alias] = attribute;
    }
    return alias;
  }

  value(value: unknown): string {
    const alias = `:v${this.valueCount++}`;
    this.values[alias] = value;
    return alias;
  }
}

/** Assembles SET/ADD/REMOVE clauses into one update expression. */
export class UpdateClauses {
  readonly set: string[] = [];
  readonly add: string[] = [];
  readonly remove: string[] = [];

  toString(): string {
    return [
      this.set.length ? `SET ${this.set.join(', ')}` : '',
      this.add.length ? `ADD ${this.add.join(', ')}` : '',
      this.remove.length ? `REMOVE ${this.remove.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}
