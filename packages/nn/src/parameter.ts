/** Parameter: a Tensor that a Module registers as learnable when it is assigned to one of its fields. */
import { type DType, keep, Tensor } from '@nndl/tensor';

/**
 * A leaf tensor that requires grad (by default) and is registered by the Module that holds it.
 * It shares the storage of `data`; moving a module keeps the same Parameter objects (only the storage changes), so
 * optimizers built before `module.to(...)` keep working. A parameter is never disposed by `tidy`.
 * @example this.weight = new Parameter(zeros([outFeatures, inFeatures]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.handle, data.shape, data.dtype, data._backend, data._version);
    if (requiresGrad) this.requiresGrad_(true);
    // A model built inside tidy() keeps its parameters (tfjs's variables likewise survive tidy).
    keep(this);
  }

  /** @internal Point this parameter at new storage (another device or dtype), keeping its identity. */
  _setData(data: Tensor): void {
    if (data.shape.join() !== this.shape.join()) {
      throw new Error(
        `Parameter: new data of shape [${data.shape.join(', ')}] for a parameter of shape [${this.shape.join(', ')}]`,
      );
    }
    // Take a reference on the new storage and release the old one, as the constructor does: the temporary `data`
    // may be disposed (by a tidy), and the old storage may be freed once no view holds it.
    const previous = { handle: this.handle, backend: this._backend, version: this._version };
    data._version.refs++;
    this.handle = data.handle;
    this._backend = data._backend;
    this._version = data._version;
    if (!this.isDisposed && --previous.version.refs === 0) previous.backend.dispose(previous.handle);
    (this as { dtype: DType }).dtype = data.dtype;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
