/**
 * Where a service's output goes (an export file the person chose): made by the door, so the
 * service never sees a path. `save` writes durably; `discard` takes the saved output back when
 * the transaction that records it fails, so there is no export without its audit event.
 */
export interface OutputSink {
  save(content: string): Promise<void>;
  discard(): Promise<void>;
}

/** Saves `content`, then runs `record`; when recording fails the saved output is taken back. */
export async function saveThenRecord<T>(sink: OutputSink, content: string, record: () => Promise<T>): Promise<T> {
  await sink.save(content);
  try {
    return await record();
  } catch (err) {
    try {
      await sink.discard();
    } catch {
      /* the recording error is the one to report */
    }
    throw err;
  }
}
