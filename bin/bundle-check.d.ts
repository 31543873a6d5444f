/** The bundle's path when it exists and every file listed in out/cli/sources.json has the size and time recorded; otherwise null. */
export function freshCliBundle(root: string): string | null;
