/** Reads a marker object's body (a specific version when the bucket is versioned). */
export interface MarkerReader {
  /** The body as text, or undefined when the object (version) does not exist. */
  read(bucket: string, key: string, versionId?: string): Promise<string | undefined>;
}
