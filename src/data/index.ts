/**
 * The data layer: finding items, labelling, splitting, DataBlock, datasets and loaders.
 * Knows nothing about images; blocks such as ImageBlock (src/vision) plug in.
 * @module
 */
export { FileList, getFiles, getImageFiles, imageExtensions, ls, type GetFilesOptions } from './files.js';
export { FuncLabeller, parentLabel, pathAttr, RegexLabeller, usingAttr, type Getter, type PathAttr, type RegexLabellerOptions } from './labellers.js';
export { ColReader, readColumn, readCsv, type ColReaderOptions, type CsvRow, type ReadCsvOptions } from './col-reader.js';
export {
  ColSplitter, FuncSplitter, GrandparentSplitter, IndexSplitter, RandomSplitter,
  type GrandparentSplitterOptions, type RandomSplitterOptions, type Splits, type Splitter,
} from './splitters.js';
export { Categorize, type CategorizeOptions, type Label } from './categorize.js';
export { CategoryBlock } from './category-block.js';
export { CollateError, collateSamples, defaultCollate } from './collate.js';
export { Dataset, Datasets, onErrorValues, type DatasetsConfig, type OnError } from './datasets.js';
export { DataLoader, defaultDevice, threadPoolSize, threadPoolSizeWasSet, type Batch, type DataLoaderOptions } from './dataloader.js';
export { Pipeline, type PipelineObserver, type PipelineStage, type PipelineStep, type PipelineTransforms } from './pipeline.js';
export { DistributedDL, shardOrder } from './distributed-dl.js';
export { DataLoaders, type DataLoadersOptions, type InferenceConfig, type TestDlOptions } from './dataloaders.js';
export { DataBlock, type DataBlockOptions } from './datablock.js';
export type { SummaryOptions } from './summary.js';
export { showBatch, showResults } from './show-batch.js';
export { Rng, Stream } from './random.js';
export { setSeed } from './seed.js';
export { Limiter } from './limiter.js';
export { archiveExtensions, extractArchive } from './extract.js';
export { untarData, type UntarDataOptions } from './untar-data.js';
export { URLs } from './urls.js';
export {
  describeValue,
  type BatchContext, type BatchTransform, type Caption, type Collated, type ItemContext, type ItemTransform,
  type ShowOptions, type Split, type TransformBlock, type TypeTransform,
} from './transform.js';
export {
  fromSpec, pipelineFromSpec, pipelineSpec, registerSpec, specTypes, toSpec,
  type FromSpec, type JSONObject, type JSONValue, type PipelineSpec, type Specable, type TransformSpec,
} from './spec.js';
export { describeArg } from './validate.js';
