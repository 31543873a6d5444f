/** Small named values of the store itself (vault id, markers). */
export interface MetaRead {
  get(key: string): Promise<string | undefined>;
}

export interface MetaRepo extends MetaRead {
  set(key: string, value: string): Promise<void>;
}
