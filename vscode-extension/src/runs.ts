// Which Testing-view run a `flowctl/testResults` notification belongs to.
// The client sends `flowctl.runTests` and learns its run id only from the
// `started` notification that follows; the server runs one at a time
// (latest wins), so the run sent last and not yet started owns the next
// `started`. A run nobody here started (another client command) gets a run
// of its own, ended by its `finished`/`cancelled` notification; each test
// is reported once per run.
import type { TestResult, TestResultsParams } from "./protocol";
import { testId } from "./testTree";

interface Bound<R> {
  run: R;
  reported: Set<string>;
  /** Ended by its last notification rather than by the command's answer. */
  adHoc: boolean;
}

export interface Routed<R> {
  run: R;
  /** The results not reported before in this run. */
  results: TestResult[];
  /** The run was created for this notification (nobody here sent it). */
  created: boolean;
  /** Its last notification came and the run was created here: end it now. */
  end: boolean;
}

export class RunRouter<R> {
  private readonly bound = new Map<number, Bound<R>>();
  private pending: Bound<R> | undefined;

  /** A run about to be sent: it owns the next `started`. */
  expect(run: R): void {
    this.pending = { run, reported: new Set(), adHoc: false };
  }

  /** The command's answer came for `run`: forget it. */
  settle(run: R): void {
    if (this.pending?.run === run) this.pending = undefined;
    for (const [id, bound] of this.bound) if (bound.run === run) this.bound.delete(id);
  }

  /** Whether any run is going. */
  get running(): boolean {
    return this.pending !== undefined || this.bound.size > 0;
  }

  /** Whether `run` already reported the test named `name` in `uri`. */
  reported(run: R, uri: string, name: string): boolean {
    const key = testId(uri, name);
    return [...this.bound.values(), ...(this.pending ? [this.pending] : [])].some((bound) => bound.run === run && bound.reported.has(key));
  }

  route(params: TestResultsParams, create: () => R): Routed<R> | undefined {
    let bound = this.bound.get(params.runId);
    let created = false;
    if (bound === undefined) {
      if (params.state !== "started" && this.pending === undefined) return undefined;
      // A `running` that overtook nothing (the `started` was missed) still belongs to the pending run.
      bound = this.pending ?? { run: create(), reported: new Set(), adHoc: true };
      created = this.pending === undefined;
      this.pending = undefined;
      this.bound.set(params.runId, bound);
    }
    const results = params.results.filter((result) => {
      const key = testId(result.uri, result.name);
      if (bound.reported.has(key)) return false;
      bound.reported.add(key);
      return true;
    });
    const last = params.state === "finished" || params.state === "cancelled";
    if (last) this.bound.delete(params.runId);
    return { run: bound.run, results, created, end: last && bound.adHoc };
  }
}
