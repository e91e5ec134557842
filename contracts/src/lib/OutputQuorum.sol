// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerView} from "../interfaces/IAllocationManagerView.sol";
import {OperatorRegistry} from "../OperatorRegistry.sol";
import {Bn254} from "./Bn254.sol";

/// @notice An aggregate BLS signature of the registered operators minus the listed non-signers.
struct Attestation {
    /// @dev The G1 keys of the registered operators that did not sign, their key hashes
    ///      (Bn254.hashG1) strictly ascending: each at most once, and every one registered now.
    Bn254.G1Point[] nonSignerKeys;
    /// @dev The signers' aggregate G2 key (the sum of their G2 keys).
    Bn254.G2Point apkG2;
    /// @dev The signers' aggregate signature (the sum of their signatures).
    Bn254.G1Point sigma;
}

/// @title OutputQuorum
/// @notice Checks an attestation against an OperatorRegistry and counts its stake in EigenLayer.
///         Signers are the registered operators minus the non-signers; their aggregate G1 key is
///         the registry's `apk` minus the non-signers' keys, so the signature check costs one
///         pairing call whatever the number of operators (plus one G1 addition per non-signer).
///         Stake is `getMinimumSlashableStake` at `stakeBlock`, summed over the operator set's
///         strategies (taken to be of one unit, as on the devnet: one strategy or equal-value
///         ones): the total over every member of the set (members without a key count against the
///         quorum), the signed part over members that have a key and are not non-signers (a signer
///         that left the set adds nothing). docs/PROTOCOL.md §6.1.
library OutputQuorum {
    /// @notice The output message's domain (versioned: a new format gets a new string).
    string internal constant OUTPUT_DOMAIN = "flops/output/v0";

    /// @notice Non-signer key hashes are not strictly ascending at `index` (a repeat or disorder).
    error NonSignersNotSorted(uint256 index);
    /// @notice A non-signer key is not registered now.
    error NonSignerNotRegistered();
    /// @notice The aggregate signature does not verify over the message.
    error InvalidAttestationSignature();

    /// @notice What operators sign for an output (docs/PROTOCOL.md §6): keccak256(abi.encode(
    ///         "flops/output/v0", l1ChainId, outputOracle, l2ChainId, l2BlockNumber, outputRoot,
    ///         l1BlockHash)).
    function outputMessageHash(
        uint256 l1ChainId,
        address outputOracle,
        uint256 l2ChainId,
        uint256 l2BlockNumber,
        bytes32 outputRoot,
        bytes32 l1BlockHash
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(OUTPUT_DOMAIN, l1ChainId, outputOracle, l2ChainId, l2BlockNumber, outputRoot, l1BlockHash)
        );
    }

    /// @notice Verifies `att` over `msgHash` and returns the stake behind it; reverts when the
    ///         signature or the non-signer list is invalid.
    /// @return signedStake The signers' stake.
    /// @return totalStake The whole operator set's stake.
    /// @return nonSignerKeyHashes The non-signers' key hashes, ascending (who did not sign).
    function verify(OperatorRegistry registry, bytes32 msgHash, Attestation calldata att, uint32 stakeBlock)
        internal
        view
        returns (uint256 signedStake, uint256 totalStake, bytes32[] memory nonSignerKeyHashes)
    {
        (signedStake, totalStake, nonSignerKeyHashes,) = verifyAndListSigners(registry, msgHash, att, stakeBlock);
    }

    /// @notice `verify`, and the signers' operator addresses too: the members with a registered key
    ///         that are not non-signers, in `getMembers` order. Recorded at attestation, this list is
    ///         what a fraud proof slashes (the registry and the set change afterwards).
    function verifyAndListSigners(
        OperatorRegistry registry,
        bytes32 msgHash,
        Attestation calldata att,
        uint32 stakeBlock
    )
        internal
        view
        returns (uint256 signedStake, uint256 totalStake, bytes32[] memory nonSignerKeyHashes, address[] memory signers)
    {
        uint256 n = att.nonSignerKeys.length;
        nonSignerKeyHashes = new bytes32[](n);
        Bn254.G1Point memory apk = registry.apk();
        for (uint256 i = 0; i < n; ++i) {
            Bn254.G1Point memory k = att.nonSignerKeys[i];
            bytes32 h = Bn254.hashG1(k);
            if (i > 0 && h <= nonSignerKeyHashes[i - 1]) revert NonSignersNotSorted(i);
            nonSignerKeyHashes[i] = h;
            apk = Bn254.add(apk, Bn254.negate(k));
        }
        // Only keys in the aggregate may be subtracted from it: any other would let the caller
        // steer the signers' key to one it holds the secret of.
        if (n > 0 && !registry.allRegistered(nonSignerKeyHashes)) revert NonSignerNotRegistered();
        if (!Bn254.verify(msgHash, apk, att.apkG2, att.sigma)) revert InvalidAttestationSignature();
        (signedStake, totalStake, signers) = _stake(registry, nonSignerKeyHashes, stakeBlock);
    }

    function _stake(OperatorRegistry registry, bytes32[] memory nonSigners, uint32 stakeBlock)
        private
        view
        returns (uint256 signedStake, uint256 totalStake, address[] memory signers)
    {
        IAllocationManagerView am = registry.allocationManager();
        IAllocationManagerView.OperatorSet memory set = registry.operatorSet();
        address[] memory members = am.getMembers(set);
        uint256[][] memory stakes =
            am.getMinimumSlashableStake(set, members, am.getStrategiesInOperatorSet(set), stakeBlock);
        bytes32[] memory keyHashes = registry.keyHashesOf(members);
        signers = new address[](members.length);
        uint256 nSigners = 0;
        for (uint256 i = 0; i < members.length; ++i) {
            uint256 s = 0;
            uint256[] memory row = stakes[i];
            for (uint256 j = 0; j < row.length; ++j) {
                s += row[j];
            }
            totalStake += s;
            if (keyHashes[i] != bytes32(0) && !_contains(nonSigners, keyHashes[i])) {
                signedStake += s;
                signers[nSigners++] = members[i];
            }
        }
        // Trim the list to the signers found (the array was sized for every member).
        assembly ("memory-safe") {
            mstore(signers, nSigners)
        }
    }

    /// @dev Binary search in the ascending `sorted`.
    function _contains(bytes32[] memory sorted, bytes32 h) private pure returns (bool) {
        uint256 lo = 0;
        uint256 hi = sorted.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            bytes32 v = sorted[mid];
            if (v == h) return true;
            if (v < h) lo = mid + 1;
            else hi = mid;
        }
        return false;
    }
}
