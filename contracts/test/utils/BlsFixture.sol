// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerView} from "../../src/interfaces/IAllocationManagerView.sol";
import {Bn254} from "../../src/lib/Bn254.sol";
import {Attestation} from "../../src/lib/OutputQuorum.sol";
import {OperatorRegistry} from "../../src/OperatorRegistry.sol";
import {Test} from "./Test.sol";

/// @notice Cheatcodes only the BLS tests use (Test.sol's Vm lists the shared ones).
interface VmBls {
    function etch(address target, bytes calldata code) external;
}

/// @notice A unit-test AllocationManager: membership, strategies and per-strategy stake set by the
///         test. An operator's stake can end at a block (a deallocation taking effect): for a
///         `futureBlock` past it the stake is 0, as getMinimumSlashableStake reports.
contract MockAllocationManager is IAllocationManagerView {
    mapping(address => bool) public member;
    address[] internal _members;
    address[] internal _strategies;
    mapping(address operator => mapping(address strategy => uint256)) public stake;
    mapping(address operator => uint32) public stakeEndsAfter;

    constructor(address[] memory strategies_) {
        _strategies = strategies_;
    }

    function setMember(address op, bool on) external {
        if (on == member[op]) return;
        member[op] = on;
        if (on) {
            _members.push(op);
            return;
        }
        for (uint256 i = 0; i < _members.length; ++i) {
            if (_members[i] == op) {
                _members[i] = _members[_members.length - 1];
                _members.pop();
                return;
            }
        }
    }

    function setStake(address op, address strategy, uint256 amount) external {
        stake[op][strategy] = amount;
    }

    function setStakeEndsAfter(address op, uint32 lastBlock) external {
        stakeEndsAfter[op] = lastBlock;
    }

    function isMemberOfOperatorSet(address operator, OperatorSet memory) external view returns (bool) {
        return member[operator];
    }

    function getMembers(OperatorSet memory) external view returns (address[] memory) {
        return _members;
    }

    function getStrategiesInOperatorSet(OperatorSet memory) external view returns (address[] memory) {
        return _strategies;
    }

    function getMinimumSlashableStake(
        OperatorSet memory,
        address[] memory operators,
        address[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory out) {
        out = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            out[i] = new uint256[](strategies.length);
            uint32 ends = stakeEndsAfter[operators[i]];
            if (ends != 0 && futureBlock > ends) continue;
            for (uint256 j = 0; j < strategies.length; ++j) {
                out[i][j] = stake[operators[i]][strategies[j]];
            }
        }
    }
}

/// @notice Reads test/vectors/blsVectors.json (test/vectors/generateBls.ts) and builds
///         registrations and attestations from its eight operators' keys. G1 values (signatures,
///         proofs of possession) are computed here with the precompiles; G2 keys and their sums
///         come from the vectors (the EVM has no G2 arithmetic).
abstract contract BlsFixture is Test {
    VmBls internal constant vmBls = VmBls(address(uint160(uint256(keccak256("hevm cheat code")))));
    address internal constant AVS = address(0xA5A5);
    uint32 internal constant SET_ID = 7;
    address internal constant STRATEGY_A = address(0x5A);
    address internal constant STRATEGY_B = address(0x5B);

    string internal bls;
    MockAllocationManager internal am;
    OperatorRegistry internal registry;

    function setUpBls() internal {
        bls = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/blsVectors.json"));
        address[] memory strategies = new address[](2);
        strategies[0] = STRATEGY_A;
        strategies[1] = STRATEGY_B;
        am = new MockAllocationManager(strategies);
        registry = new OperatorRegistry(am, AVS, SET_ID);
    }

    function word(string memory key) internal view returns (uint256) {
        return uint256(vm.parseJsonBytes32(bls, key));
    }

    function g1At(string memory key) internal view returns (Bn254.G1Point memory) {
        return Bn254.G1Point(word(string.concat(key, ".x")), word(string.concat(key, ".y")));
    }

    function g2At(string memory key) internal view returns (Bn254.G2Point memory p) {
        p.x = [word(string.concat(key, ".x1")), word(string.concat(key, ".x0"))];
        p.y = [word(string.concat(key, ".y1")), word(string.concat(key, ".y0"))];
    }

    function opKey(uint256 i) internal pure returns (string memory) {
        return string.concat(".operators[", vm.toString(i), "]");
    }

    function secretKey(uint256 i) internal view returns (uint256) {
        return word(string.concat(opKey(i), ".secretKey"));
    }

    function pkG1(uint256 i) internal view returns (Bn254.G1Point memory) {
        return g1At(string.concat(opKey(i), ".pubkeyG1"));
    }

    function pkG2(uint256 i) internal view returns (Bn254.G2Point memory) {
        return g2At(string.concat(opKey(i), ".pubkeyG2"));
    }

    function operatorAddr(uint256 i) internal pure returns (address) {
        return address(uint160(0x10000 + i));
    }

    /// @dev sk_i * H(m), computed with the precompiles.
    function signWith(uint256 i, bytes32 msgHash) internal view returns (Bn254.G1Point memory) {
        return Bn254.mul(Bn254.hashToG1(msgHash), secretKey(i));
    }

    function popOf(uint256 i, address op) internal view returns (Bn254.G1Point memory) {
        return signWith(i, registry.registrationMessageHash(op));
    }

    /// @dev Makes operator i a member with `stakeEach` in both strategies and registers its key.
    function join(uint256 i, uint256 stakeEach) internal {
        address op = operatorAddr(i);
        am.setMember(op, true);
        am.setStake(op, STRATEGY_A, stakeEach);
        am.setStake(op, STRATEGY_B, stakeEach);
        // Arguments first: an external call between prank and register would use up the prank.
        Bn254.G1Point memory pop = popOf(i, op);
        vm.prank(op);
        registry.register(pkG1(i), pkG2(i), pop);
    }

    /// @dev The vectors' aggregate G2 key of signer subset `mask` (bit i = operator i).
    function apkG2Of(uint256 mask) internal view returns (Bn254.G2Point memory) {
        uint256 n = vm.parseJsonUint(bls, ".subsetCount");
        for (uint256 k = 0; k < n; ++k) {
            string memory p = string.concat(".subsets[", vm.toString(k), "]");
            if (vm.parseJsonUint(bls, string.concat(p, ".mask")) == mask) return g2At(string.concat(p, ".apkG2"));
        }
        revert("no such subset in blsVectors.json");
    }

    /// @dev The attestation of signers `mask` over `msgHash`, every other operator in
    ///      `registered` (a mask too) listed as a non-signer, sorted by key hash.
    function attest(uint256 mask, uint256 registered, bytes32 msgHash) internal view returns (Attestation memory a) {
        Bn254.G1Point memory sigma;
        uint256 nNon = 0;
        for (uint256 i = 0; i < 8; ++i) {
            if ((mask >> i) & 1 == 1) sigma = Bn254.add(sigma, signWith(i, msgHash));
            else if ((registered >> i) & 1 == 1) ++nNon;
        }
        a.nonSignerKeys = new Bn254.G1Point[](nNon);
        uint256 k = 0;
        for (uint256 i = 0; i < 8; ++i) {
            if ((mask >> i) & 1 == 0 && (registered >> i) & 1 == 1) a.nonSignerKeys[k++] = pkG1(i);
        }
        // Insertion sort by key hash (at most eight).
        for (uint256 i = 1; i < nNon; ++i) {
            for (uint256 j = i; j > 0; --j) {
                if (Bn254.hashG1(a.nonSignerKeys[j]) >= Bn254.hashG1(a.nonSignerKeys[j - 1])) break;
                (a.nonSignerKeys[j], a.nonSignerKeys[j - 1]) = (a.nonSignerKeys[j - 1], a.nonSignerKeys[j]);
            }
        }
        a.apkG2 = apkG2Of(mask);
        a.sigma = sigma;
    }
}
