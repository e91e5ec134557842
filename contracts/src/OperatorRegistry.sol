// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerView} from "./interfaces/IAllocationManagerView.sol";
import {Bn254} from "./lib/Bn254.sol";

/// @title OperatorRegistry
/// @notice The BN254 BLS keys of the operators of one EigenLayer operator set, and their aggregate.
///         A member of the set registers one key (its G1 and G2 halves) with a proof of possession:
///         a signature over `registrationMessageHash(operator)`, which binds the key to this
///         registry, this chain and that operator, so nobody can register a key derived from others'
///         keys (a rogue key) or replay someone's registration. The aggregate G1 key of all
///         registered operators (`apk`) is what an attestation subtracts its non-signers from
///         (OutputQuorum). docs/PROTOCOL.md §6.1.
/// @dev A key hash, once bound to an operator, stays bound to it: no other operator can ever
///      register that key, so a key hash names one operator for good (fraud proofs rely on it).
contract OperatorRegistry {
    /// @notice The AllocationManager whose operator set this registry serves.
    IAllocationManagerView public immutable allocationManager;
    /// @notice The operator set's AVS.
    address public immutable avs;
    /// @notice The operator set's id.
    uint32 public immutable operatorSetId;

    /// @notice Prefix of the registration message (versioned: a new scheme gets a new string).
    string public constant REGISTRATION_DOMAIN = "flops/operator-registration/v0";

    struct Registration {
        bytes32 keyHash;
        Bn254.G1Point pubkeyG1;
    }

    mapping(address operator => Registration) private _registrations;
    mapping(bytes32 keyHash => address operator) private _keyOwner;
    Bn254.G1Point private _apk;
    uint256 private _operatorCount;

    /// @notice `operator` registered the key `keyHash` = keccak256(abi.encode(pubkeyG1.x, pubkeyG1.y)).
    event OperatorRegistered(
        address indexed operator, bytes32 indexed keyHash, Bn254.G1Point pubkeyG1, Bn254.G2Point pubkeyG2
    );
    /// @notice `operator`'s key left the aggregate; `byCaller` is who removed it (the operator, or
    ///         anyone once the operator left the operator set).
    event OperatorDeregistered(address indexed operator, bytes32 indexed keyHash, address byCaller);

    /// @notice A zero address where one is needed.
    error ZeroAddress();
    /// @notice `operator` is not a member of the operator set in the AllocationManager.
    error NotOperatorSetMember(address operator);
    /// @notice `operator` has a registered key already (deregister first to change it).
    error AlreadyRegistered(address operator);
    /// @notice `operator` has no registered key.
    error NotRegistered(address operator);
    /// @notice The key is the point at infinity.
    error ZeroKey();
    /// @notice The key is bound to another operator.
    error KeyAlreadyRegistered(bytes32 keyHash, address owner);
    /// @notice The proof of possession does not verify (or the G1 and G2 keys differ).
    error InvalidProofOfPossession();
    /// @notice `operator` is still a member of the operator set: only it may deregister itself.
    error StillOperatorSetMember(address operator);

    /// @param allocationManager_ EigenLayer's AllocationManager (or the devnet stand-in).
    /// @param avs_ The operator set's AVS.
    /// @param operatorSetId_ The operator set's id.
    constructor(IAllocationManagerView allocationManager_, address avs_, uint32 operatorSetId_) {
        if (address(allocationManager_) == address(0) || avs_ == address(0)) revert ZeroAddress();
        allocationManager = allocationManager_;
        avs = avs_;
        operatorSetId = operatorSetId_;
    }

    /// @notice Registers the caller's BLS key. The caller must be a member of the operator set and
    ///         have no key registered; the key must be new (or the caller's own old key).
    /// @param pubkeyG1 sk * G1.
    /// @param pubkeyG2 sk * G2 (coordinates imaginary part first).
    /// @param proofOfPossession sk * hashToG1(registrationMessageHash(msg.sender)).
    function register(
        Bn254.G1Point calldata pubkeyG1,
        Bn254.G2Point calldata pubkeyG2,
        Bn254.G1Point calldata proofOfPossession
    ) external {
        address operator = msg.sender;
        if (!allocationManager.isMemberOfOperatorSet(operator, operatorSet())) {
            revert NotOperatorSetMember(operator);
        }
        if (_registrations[operator].keyHash != bytes32(0)) revert AlreadyRegistered(operator);
        if (pubkeyG1.x == 0 && pubkeyG1.y == 0) revert ZeroKey();
        bytes32 keyHash = Bn254.hashG1(pubkeyG1);
        address owner = _keyOwner[keyHash];
        if (owner != address(0) && owner != operator) revert KeyAlreadyRegistered(keyHash, owner);
        if (!Bn254.verify(registrationMessageHash(operator), pubkeyG1, pubkeyG2, proofOfPossession)) {
            revert InvalidProofOfPossession();
        }
        _registrations[operator] = Registration(keyHash, pubkeyG1);
        _keyOwner[keyHash] = operator;
        _apk = Bn254.add(_apk, pubkeyG1);
        ++_operatorCount;
        emit OperatorRegistered(operator, keyHash, pubkeyG1, pubkeyG2);
    }

    /// @notice Removes the caller's key from the aggregate.
    function deregister() external {
        _deregister(msg.sender);
    }

    /// @notice Removes the key of an operator that is no longer a member of the operator set. Anyone
    ///         may call it: a leaver's key left in the aggregate would make every attestation list
    ///         it as a non-signer.
    function deregisterNonMember(address operator) external {
        if (allocationManager.isMemberOfOperatorSet(operator, operatorSet())) {
            revert StillOperatorSetMember(operator);
        }
        _deregister(operator);
    }

    /// @notice The operator set this registry serves.
    function operatorSet() public view returns (IAllocationManagerView.OperatorSet memory) {
        return IAllocationManagerView.OperatorSet(avs, operatorSetId);
    }

    /// @notice What an operator signs to register: keccak256(abi.encode(REGISTRATION_DOMAIN,
    ///         block.chainid, address(this), operator)).
    function registrationMessageHash(address operator) public view returns (bytes32) {
        return keccak256(abi.encode(REGISTRATION_DOMAIN, block.chainid, address(this), operator));
    }

    /// @notice The sum of all registered G1 keys ((0, 0) when there are none).
    function apk() external view returns (Bn254.G1Point memory) {
        return _apk;
    }

    /// @notice The number of operators with a registered key.
    function operatorCount() external view returns (uint256) {
        return _operatorCount;
    }

    /// @notice `operator`'s registered key hash and G1 key (zeros when it has none).
    function registrationOf(address operator) external view returns (bytes32 keyHash, Bn254.G1Point memory pubkeyG1) {
        Registration storage r = _registrations[operator];
        return (r.keyHash, r.pubkeyG1);
    }

    /// @notice The operator a key hash is bound to (forever), registered now or not.
    function keyOwner(bytes32 keyHash) external view returns (address) {
        return _keyOwner[keyHash];
    }

    /// @notice The registered key hash of each operator (zero where it has none): one call for the
    ///         whole operator set when a quorum is counted.
    function keyHashesOf(address[] calldata operators) external view returns (bytes32[] memory keyHashes) {
        keyHashes = new bytes32[](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            keyHashes[i] = _registrations[operators[i]].keyHash;
        }
    }

    /// @notice Whether every key hash is registered now (its key is in `apk`).
    function allRegistered(bytes32[] calldata keyHashes) external view returns (bool) {
        for (uint256 i = 0; i < keyHashes.length; ++i) {
            address owner = _keyOwner[keyHashes[i]];
            if (owner == address(0) || _registrations[owner].keyHash != keyHashes[i]) return false;
        }
        return true;
    }

    function _deregister(address operator) private {
        Registration storage r = _registrations[operator];
        bytes32 keyHash = r.keyHash;
        if (keyHash == bytes32(0)) revert NotRegistered(operator);
        _apk = Bn254.add(_apk, Bn254.negate(r.pubkeyG1));
        delete _registrations[operator];
        --_operatorCount;
        emit OperatorDeregistered(operator, keyHash, msg.sender);
    }
}
