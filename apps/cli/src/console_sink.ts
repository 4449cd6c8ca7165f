/** Turns Trainer events into what a person reads: a header, a progress bar per epoch, an epoch table, a summary. */
import type { EpochEndEvent, RunStartEvent, TrainerEvent } from '@nndl/engine';
import { duration, ProgressBar } from './format.js';

const pct = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}%`);
const num = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

export class ConsoleSink {
  private readonly bar = new ProgressBar();
  private columns: { title: string; width: number; value: (e: EpochEndEvent) => string }[] = [];
  private printedHeader = false;
  private start: RunStartEvent | null = null;
  private readonly out: (line: string) => void;

  constructor(out: (line: string) => void = (l) => console.log(l)) {
    this.out = out;
  }

  handle = (event: TrainerEvent): void => {
    switch (event.type) {
      case 'runStart': {
        this.start = event;
        const s = event.spec;
        this.out(`run ${event.runId}`);
        this.out(`  ${s.name}: ${s.description}`);
        this.out(
          `  ${event.parameterCount.toLocaleString('en-US')} parameters; ${event.trainSize.toLocaleString('en-US')} training ` +
            `samples, ${event.evaluationSize.toLocaleString('en-US')} ${s.data.evaluation} samples; ${s.epochs} epochs of ` +
            `mini-batch ${s.data.batchSize}, seed ${s.seed}, backend ${s.backend}` +
            (event.startEpoch > 0 ? `; resuming after epoch ${event.startEpoch}` : ''),
        );
        if (s.reference?.accuracy !== undefined)
          this.out(`  the book: ${s.reference.accuracy}% (${s.reference.source})`);
        const m = s.monitor;
        this.columns = [
          { title: 'epoch', width: 5, value: (e) => `${e.epoch}` },
          ...(m.trainingCost
            ? [{ title: 'train cost', width: 10, value: (e: EpochEndEvent) => num(e.trainingCost) }]
            : []),
          ...(m.trainingAccuracy
            ? [{ title: 'train acc', width: 9, value: (e: EpochEndEvent) => pct(e.trainingAccuracy) }]
            : []),
          ...(m.evaluationCost
            ? [
                {
                  title: `${s.data.evaluation} cost`,
                  width: 10,
                  value: (e: EpochEndEvent) => num(e.evaluationCost),
                },
              ]
            : []),
          ...(m.evaluationAccuracy
            ? [
                {
                  title: `${s.data.evaluation} acc`,
                  width: 9,
                  value: (e: EpochEndEvent) => pct(e.evaluationAccuracy),
                },
              ]
            : []),
          { title: 'lr', width: 7, value: (e) => `${+e.lr.toPrecision(4)}` },
          { title: 'time', width: 8, value: (e) => duration(e.seconds) },
          { title: 'samples/s', width: 9, value: (e) => Math.round(e.throughput).toLocaleString('en-US') },
        ];
        break;
      }
      case 'batchEnd':
        this.bar.update(
          `epoch ${event.epoch}/${this.start?.spec.epochs ?? '?'}`,
          event.batch,
          event.batches,
          `loss ${event.loss.toFixed(4)}`,
        );
        break;
      case 'epochEnd': {
        this.bar.clear();
        const widths = this.columns.map((c) => Math.max(c.width, c.title.length));
        if (!this.printedHeader) {
          this.out('');
          this.out(this.columns.map((c, i) => c.title.padStart(widths[i]!)).join('  '));
          this.out(widths.map((w) => '-'.repeat(w)).join('  '));
          this.printedHeader = true;
        }
        this.out(this.columns.map((c, i) => c.value(event).padStart(widths[i]!)).join('  '));
        break;
      }
      case 'checkpoint':
        break;
      case 'ensemble':
        this.out('');
        this.out(
          `plurality vote of ${event.members.length} networks: ${event.accuracy.toFixed(2)}% ` +
            `(members: ${event.members.map((m) => (m.accuracy === null ? '-' : `${m.accuracy.toFixed(2)}%`)).join(', ')})`,
        );
        break;
      case 'earlyStop':
        this.bar.clear();
        this.out(`stopped early after epoch ${event.epoch}: ${event.reason}`);
        break;
      case 'error':
        this.bar.clear();
        break;
      case 'runEnd': {
        this.bar.clear();
        if (event.status === 'failed') break;
        this.out('');
        const ref = this.start?.spec.reference?.accuracy;
        const best = event.bestEvaluationAccuracy;
        this.out(
          `${event.status === 'stopped' ? 'stopped' : 'finished'}: ${event.epochs} epochs, ${event.steps.toLocaleString('en-US')} steps in ${duration(event.seconds)}` +
            (best !== null
              ? `; best accuracy ${best.toFixed(2)}%, final ${event.finalEvaluationAccuracy?.toFixed(2)}%`
              : '') +
            (ref !== undefined && best !== null ? ` (the book: ${ref}%)` : ''),
        );
        break;
      }
      default:
        break;
    }
  };
}
