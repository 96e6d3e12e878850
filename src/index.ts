// meanfield: mean-field particle dynamics on a WebAssembly SIMD core.
export { init, wasmMemoryBytes } from './backend/index.js';
export type { InitOptions, InitInfo, BackendName, Precision, Score, Activation, BlockMask } from './backend/index.js';
export {
  MeanfieldError,
  InvalidArgumentError,
  UnknownOptionError,
  OverflowError,
  ResourceError,
  AbortedError,
  NotInitializedError,
  WasmError,
  NonFiniteError,
  SimulationError,
  InputError,
  UsageError,
} from './errors.js';
export { LIMITS } from './validate.js';
export { Measure } from './measure.js';
export type { MeasureJSON, MeasureOptions, SamplerOptions, GaussianOptions, BoxOptions, SpacedOptions } from './measure.js';
export { Random } from './random.js';
export { logSumExp, softmaxMean, interactionEnergy } from './logsumexp.js';
export type { KernelOptions, MeanOptions, EnergyOptions } from './logsumexp.js';
export type { PointsInput } from './points.js';
export { attention } from './flows/attention.js';
export type { AttentionOptions, Normalization, AttentionNormalization } from './flows/attention.js';
export type { CsrGraph, GraphMask } from './flows/graph.js';
export { interaction } from './flows/interaction.js';
export type { InteractionOptions } from './flows/interaction.js';
export { circle } from './flows/circle.js';
export type { CircleOptions } from './flows/circle.js';
// General circle interactions: ‖h‴‖_{L1} and a synchronisation criterion for dθ_i/dt = sum_j a_j h(θ_j - θ_i).
export { hTripleDerivativeL1, circleSyncCriterion } from './flows/circle-sync.js';
export type { CircleSyncCriterion, FourierOptions } from './flows/circle-sync.js';
// Normalisation layers as dynamics (attention({ layerNorm })) and their equiangular reduction.
export {
  equiangularMeasure,
  equiangularODE,
  equiangularClosedForm,
  meanPairwiseCosine,
  cosineGap,
} from './flows/layernorm.js';
export { collapseExponent } from './flows/collapse-exponent.js';
export type { LayerNorm, LayerNormScheme, EquiangularMeasureOptions, EquiangularOptions, EquiangularSolution } from './flows/layernorm.js';
export type { Flow, EvalOptions } from './flows/flow.js';
export { euclidean, sphere, circle as circleSpace, spaceOps, wrapAngle } from './spaces.js';
export type { Space, SpaceOps } from './spaces.js';
export { simulate } from './simulate/simulate.js';
export { simulateMany } from './simulate/many.js';
export type { SimulateOptions, ProgressInfo, StopWhen, EventSpec } from './simulate/simulate.js';
export type { EventRecord } from './simulate/trajectory.js';
export type { Collapse } from './simulate/collapse.js';
export type { RecordOptions } from './simulate/schedule.js';
export type { ObserveOptions } from './simulate/observe.js';
export { Trajectory } from './simulate/trajectory.js';
export type { StopReason, Checkpoint, StepStats, TrajectoryJSON, CollapseJSON, JsonNumber } from './simulate/trajectory.js';
export { clusters } from './analysis/clusters.js';
export type { Clusters } from './analysis/clusters.js';
export { plateaus } from './analysis/plateaus.js';
export type { Plateau, Merge } from './analysis/plateaus.js';
export { kdeModes } from './analysis/kde.js';
export type { KdeOptions } from './analysis/kde.js';
export { stationarity } from './analysis/stationarity.js';
// The attention specific heat C = β² Var(E_i) (also simulate's observe.specificHeat).
export { specificHeat, ensembleSpecificHeat } from './analysis/specific-heat.js';
export type { SpecificHeatOptions } from './analysis/specific-heat.js';
export { specificHeatSweep } from './experiments/specific-heat-sweep.js';
export type { SpecificHeatSweepOptions, SpecificHeatSweep } from './experiments/specific-heat-sweep.js';
export { oversmoothing } from './analysis/oversmoothing.js';
export type { OversmoothingOptions, Oversmoothing, WeightLaw, LayerActivation } from './analysis/oversmoothing.js';
export { sinkhorn, PLAN_LIMIT } from './ot/sinkhorn.js';
export type { SinkhornOptions, SinkhornResult, SinkhornProgress } from './ot/types.js';
export { sinkhornDivergence } from './ot/divergence.js';
export type { DivergenceResult } from './ot/types.js';
export type { SelfTransport } from './ot/types.js';
export type { Acceleration } from './ot/accelerate.js';
export { wasserstein2, wasserstein2Detailed, slicedWasserstein, gaussianW2, EXACT_LIMIT } from './ot/wasserstein.js';
export type { SlicedOptions, Wasserstein2Options, Wasserstein2Result } from './ot/wasserstein.js';
export { twoLayer } from './nn/twolayer.js';
export type { TwoLayerOptions, TwoLayerFlow, Loss } from './nn/twolayer.js';
export type { DataInput, Dataset } from './nn/data.js';
export { settling } from './nn/settling.js';
export type { Settling, SettlingOptions } from './nn/settling.js';
export { particleScaling, isotropicGaussians, logLogSlope } from './experiments/two-layer-networks.js';
export type { ParticleScalingOptions, ParticleScaling, IsotropicGaussiansOptions, RiskCurve } from './experiments/two-layer-networks.js';
// Gaussian-mixture layers (Chewi, Rigollet & Yan): the Wasserstein–Fisher–Rao flow over mixtures of neurons.
export { gmLayer } from './nn/gm.js';
export type { GmLayerOptions, GmLayerFlow, GmExpectations, FirstVariation, SigmaNetwork } from './nn/gm.js';
export type { MixtureInput, Mixture } from './nn/gm-mixture.js';
export { gaussianQuadrature, GAUSS_HERMITE_LIMIT } from './nn/gm-quadrature.js';
export type { QuadratureRule, QuadratureOptions, GaussianQuadrature } from './nn/gm-quadrature.js';
export { gmExperiment } from './experiments/gm-versus-two-layer.js';
export type { GmExperimentOptions, GmExperiment, GmTask, ModelCurve } from './experiments/gm-versus-two-layer.js';
export { twoMoons, gaussianXor, concentricCircles } from './nn/data.js';
export type { SyntheticOptions, CirclesOptions, LabelledData } from './nn/data.js';
export { hopfield, hopfieldCapacity } from './memory/hopfield.js';
export type {
  Hopfield,
  HopfieldOptions,
  RetrieveOptions as HopfieldRetrieveOptions,
  Retrieval,
  HopfieldCapacityOptions,
  HopfieldCapacity,
} from './memory/hopfield.js';
export { denseMemory } from './memory/dense.js';
export type {
  Separation,
  PatternsInput,
  StateInput,
  DenseMemoryOptions,
  AsyncOptions,
  AsyncResult,
  SyncOptions,
  SyncResult,
  RetrieveOptions,
  RetrieveResult,
  DenseMemory,
} from './memory/dense.js';
export { denseCapacity } from './memory/dense-capacity.js';
export type { DenseCapacityOptions, DenseCapacityResult } from './memory/dense-capacity.js';
export { linearMemory, linearCapacity } from './memory/linear.js';
export type { RowsInput, LinearMemoryOptions, LinearMemory, LinearCapacityOptions, LinearCapacityResult } from './memory/linear.js';
export { pointCloudMemory } from './memory/pointcloud.js';
export type {
  PointCloudMemory,
  PointCloudMemoryOptions,
  PointCloudEnergy,
  PointCloudStepOptions,
  PointCloudRetrieveOptions,
  PointCloudRetrieval,
  RecoveryOptions,
  Recovery,
} from './memory/pointcloud.js';
export { pointCloudRecovery, planarShapes } from './memory/recovery.js';
