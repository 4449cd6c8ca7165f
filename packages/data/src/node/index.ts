/**
 * @nndl/data/node: the Node-only parts, reading datasets from the file system and downloading them.
 * Everything else (Dataset, DataLoader, transforms, the worker pool) is in `@nndl/data` and runs anywhere.
 */
export {
  type DatasetName,
  type DownloadFile,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResource,
  download,
  RESOURCES,
} from './download.js';
export { findFile, readMaybeGzipped } from './files.js';
export {
  type LoadCifarOptions,
  type LoadMnistOptions,
  loadCIFAR10,
  loadFashionMNIST,
  loadImageFolder,
  loadMNIST,
  loadNielsenMNIST,
} from './loaders.js';
