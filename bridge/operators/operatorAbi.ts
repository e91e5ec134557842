/**
 * The slices of the operator-side contracts that the off-chain operator code calls (`flops
 * operator`, the operator node, the aggregator): OperatorRegistry, EigenLayer's AllocationManager
 * and DelegationManager (v1.12.0 signatures, as the stand-in in contracts/eigenlayer/ has them) and
 * OutputOracle's attested path. Only these functions: another helper may change the rest.
 * @module
 */
import { parseAbi } from "viem";

const OPERATOR_SET = "(address avs, uint32 id)";

export const REGISTRY_ABI = parseAbi([
  "function allocationManager() view returns (address)",
  "function apk() view returns ((uint256 x, uint256 y))",
  `function operatorSet() view returns (${OPERATOR_SET})`,
  "function registrationOf(address operator) view returns (bytes32 keyHash, (uint256 x, uint256 y) pubkeyG1)",
  "function keyOwner(bytes32 keyHash) view returns (address)",
  "function register((uint256 x, uint256 y) pubkeyG1, (uint256[2] x, uint256[2] y) pubkeyG2, (uint256 x, uint256 y) proofOfPossession)",
  "function deregister()",
  "event OperatorRegistered(address indexed operator, bytes32 indexed keyHash, (uint256 x, uint256 y) pubkeyG1, (uint256[2] x, uint256[2] y) pubkeyG2)",
  "event OperatorDeregistered(address indexed operator, bytes32 indexed keyHash, address byCaller)",
]);

export const ALLOCATION_MANAGER_ABI = parseAbi([
  `function getMembers(${OPERATOR_SET} operatorSet) view returns (address[])`,
  `function getStrategiesInOperatorSet(${OPERATOR_SET} operatorSet) view returns (address[])`,
  `function getMinimumSlashableStake(${OPERATOR_SET} operatorSet, address[] operators, address[] strategies, uint32 futureBlock) view returns (uint256[][])`,
  `function getAllocatedStake(${OPERATOR_SET} operatorSet, address[] operators, address[] strategies) view returns (uint256[][])`,
  `function isMemberOfOperatorSet(address operator, ${OPERATOR_SET} operatorSet) view returns (bool)`,
  "function getAllocationDelay(address operator) view returns (bool isSet, uint32 delay)",
  `function getAllocation(address operator, ${OPERATOR_SET} operatorSet, address strategy) view returns ((uint64 currentMagnitude, int128 pendingDiff, uint32 effectBlock))`,
  "function registerForOperatorSets(address operator, (address avs, uint32[] operatorSetIds, bytes data) params)",
  "function deregisterFromOperatorSets((address operator, address avs, uint32[] operatorSetIds) params)",
  `function modifyAllocations(address operator, (${OPERATOR_SET} operatorSet, address[] strategies, uint64[] newMagnitudes)[] params)`,
  `event OperatorSlashed(address operator, ${OPERATOR_SET} operatorSet, address[] strategies, uint256[] wadSlashed, string description)`,
]);

export const DELEGATION_MANAGER_ABI = parseAbi([
  "function isOperator(address operator) view returns (bool)",
  "function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string metadataURI)",
]);

export const ATTESTED_ORACLE_ABI = parseAbi([
  "function attestationConfig() view returns ((address registry, uint64 l2ChainId, uint32 windowBlocks, uint16 quorumNumerator, uint16 quorumDenominator))",
  "function proposeOutputAttested(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber, ((uint256 x, uint256 y)[] nonSignerKeys, (uint256[2] x, uint256[2] y) apkG2, (uint256 x, uint256 y) sigma) att) returns (uint256)",
  "event OutputAttested(uint256 indexed outputIndex, uint256 signedStake, uint256 totalStake, uint32 stakeBlock, bytes32[] nonSignerKeyHashes)",
  "event OutputProposed(uint256 indexed outputIndex, bytes32 indexed outputRoot, uint256 indexed l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber, uint256 timestamp)",
]);
