'use client';
/** The run page's digit canvas: loads the run's latest checkpoint (through the API) into a worker and predicts. */
import type { ExperimentSpec } from '@nndl/engine';
import { useEffect, useRef, useState } from 'react';
import { startTrainingWorker, type TrainingWorker } from './client';
import { DigitPad, Probabilities } from './DigitPad';

export function CheckpointPredictor({ runId, spec }: { runId: string; spec: ExperimentSpec | null }) {
  const worker = useRef<TrainingWorker | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const [message, setMessage] = useState('');
  const [probabilities, setProbabilities] = useState<number[] | null>(null);
  const imageModel =
    spec && ['nielsen', 'network3', 'layers'].includes(spec.model.type) && spec.data.dataset !== 'linear';

  useEffect(() => () => worker.current?.terminate(), []);

  const load = async () => {
    setState('loading');
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/checkpoint`);
      if (!response.ok) throw new Error(((await response.json()) as { error: string }).error);
      const bytes = new Uint8Array(await response.arrayBuffer());
      worker.current ??= startTrainingWorker();
      await worker.current.api.start('cpu', null);
      const info = await worker.current.api.loadCheckpoint(bytes, spec ? JSON.stringify(spec) : null);
      setMessage(
        `Loaded ${response.headers.get('x-checkpoint-name') ?? 'the latest checkpoint'}: ${info.parameterCount.toLocaleString('en')} parameters.`,
      );
      setState('ready');
    } catch (e) {
      setMessage(`Could not load the checkpoint: ${(e as Error).message}`);
      setState('error');
    }
  };

  if (!imageModel) return <p className="muted">This run's model does not classify 28x28 digits.</p>;
  return (
    <div data-testid="checkpoint-predictor">
      <div className="toolbar">
        <button type="button" className="primary" onClick={load} disabled={state === 'loading'}>
          {state === 'ready' ? 'Reload latest checkpoint' : 'Load latest checkpoint'}
        </button>
        <span className={state === 'error' ? 'notice error' : 'muted small'} data-testid="checkpoint-state">
          {state === 'loading' ? 'Loading…' : message}
        </span>
      </div>
      {state === 'ready' && (
        <div className="draw">
          <DigitPad
            testId="checkpoint-pad"
            onDigit={async (pixels) => {
              if (!pixels || !worker.current) return setProbabilities(null);
              setProbabilities(await worker.current.api.predict(pixels, 'checkpoint'));
            }}
          />
          <Probabilities probabilities={probabilities} />
        </div>
      )}
    </div>
  );
}
