/**
 * @nndl/nn/optim: optimizers (one per file) and learning-rate schedules.
 * @example
 * import { SGD, NielsenSchedule } from '@nndl/nn/optim';
 */
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { ExponentialLR } from './exponential_lr.js';
export { LRScheduler, type SchedulerStateDict } from './lr_scheduler.js';
export { NielsenSchedule, type NielsenScheduleOptions } from './nielsen_schedule.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type Params,
} from './optimizer.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce_lr_on_plateau.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
export { StepLR } from './step_lr.js';
