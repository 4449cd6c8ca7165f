/**
 * @nndl/data: datasets, samplers, transforms, the DataLoader and the worker pool. Everything here runs in Node and
 * in the browser; file-system loaders and `download` are in `@nndl/data/node`.
 */
export { defaultCollate } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export {
  ConcatDataset,
  type Dataset,
  type DatasetSpec,
  type ItemOf,
  randomSplit,
  Subset,
  TensorDataset,
} from './dataset.js';
export { BundledDigits, type BundledDigitsOptions } from './datasets/bundled-digits.js';
export { type BinaryFile, CIFAR_RECORD_SIZE, CIFAR10, parseCifarMeta } from './datasets/cifar10.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, parseIdx } from './datasets/idx.js';
export { ImageDataset, type ImageDatasetInit, type ImageDatasetOptions } from './datasets/image-dataset.js';
export {
  type DecodedImage,
  decodePng,
  ImageFolder,
  type ImageFolderEntry,
  type ImageFolderOptions,
} from './datasets/image-folder.js';
export {
  expandMnist,
  FashionMNIST,
  type IdxFile,
  MNIST,
  type MnistSplit,
  splitRange,
} from './datasets/mnist.js';
export {
  type PoolStats,
  type RunOptions,
  type WorkerErrorReport,
  WorkerPool,
  type WorkerPoolOptions,
} from './pool.js';
export { batchSeed, generatorFrom, type RandomOptions, randperm } from './random.js';
export {
  BatchSampler,
  RandomSampler,
  type RandomSamplerOptions,
  type Sampler,
  SequentialSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
  type WeightedRandomSamplerOptions,
} from './sampler.js';
export {
  BYTE_TO_UNIT,
  Compose,
  type ImageLike,
  ImageTransform,
  Lambda,
  Normalize,
  RandomCrop,
  RandomHorizontalFlip,
  RandomShift,
  type RawImage,
  SHIFTS,
  type Shift,
  shiftImage,
  ToTensor,
  type Transform,
  type TransformSpec,
  transformFromSpec,
} from './transforms.js';
