// The image builder's entry point: the real-node tier's images (the operator, the CN emulator, the 2022 CN, pause)
// as OCI archives, built without a container engine, and their names.
export { buildTestImages, archiveFileName, PAUSE_SCRIPT, type BuildOptions, type BuiltImage } from './build.js';
export {
  CN_2022_IMAGE,
  CN_2022_IMAGE_REF,
  CN_EMULATOR_IMAGE,
  CN_EMULATOR_IMAGE_REF,
  OPERATOR_IMAGE,
  OPERATOR_IMAGE_REF,
  PAUSE_IMAGE_REF,
  normalizeImageRef,
} from './refs.js';
export { CN_EMULATOR_BUNDLE, CN_HOME } from './cn-scripts.js';
export { APP_DIR_IN_IMAGE, LAYOUT_APP_SCRIPT } from './app.js';
export { defaultImageCacheDir } from './cache.js';
