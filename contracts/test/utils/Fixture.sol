// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchInbox} from "../../src/BatchInbox.sol";
import {FlopsCredit} from "../../src/FlopsCredit.sol";
import {OutputRootProof} from "../../src/lib/OutputRootLib.sol";
import {Withdrawal} from "../../src/lib/WithdrawalLib.sol";
import {OutputOracle} from "../../src/OutputOracle.sol";
import {Portal} from "../../src/Portal.sol";
import {Test} from "./Test.sol";

/// @notice Deploys the contracts as bridge/ does and reads the golden vectors
///         (test/vectors/l1Vectors.json, written by test/vectors/generateL1.ts).
abstract contract Fixture is Test {
    address internal constant ADMIN = address(0xA11CE);
    address internal constant PROPOSER = address(0xB0B);
    address internal constant CHALLENGER = address(0xC4A1);
    address internal constant GUARDIAN = address(0x6A4D);
    address internal constant BATCHER = address(0xBA7C);
    address internal constant USER = address(0x05E4);
    bytes32 internal constant GENESIS = keccak256("flops/test/genesis");
    uint256 internal constant WINDOW = 600;
    uint256 internal constant MAX_TX_BYTES = 4096;
    uint48 internal constant RATE_WINDOW = 3600;
    uint208 internal constant RATE_CAPACITY = type(uint128).max;

    OutputOracle internal oracle;
    Portal internal portal;
    FlopsCredit internal credit;
    BatchInbox internal inbox;
    string internal vectors;

    function deployAll() internal {
        vm.warp(1_000_000);
        vm.roll(100);
        oracle = new OutputOracle(ADMIN, PROPOSER, CHALLENGER, GENESIS, WINDOW);
        portal = new Portal(ADMIN, GUARDIAN, oracle, GENESIS, MAX_TX_BYTES, RATE_WINDOW, RATE_CAPACITY);
        credit = portal.credit();
        inbox = new BatchInbox(ADMIN, BATCHER);
        vectors = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/l1Vectors.json"));
    }

    /// @dev Posts `outputRoot` for L2 block `l2Block` as the proposer, citing the previous L1 block.
    function propose(bytes32 outputRoot, uint256 l2Block) internal returns (uint256) {
        bytes32 h = keccak256(abi.encode("l1", block.number - 1));
        vm.setBlockhash(block.number - 1, h);
        vm.prank(PROPOSER);
        return oracle.proposeOutput(outputRoot, l2Block, h, block.number - 1);
    }

    function treeOutputRoot(string memory tree) internal view returns (bytes32) {
        return vm.parseJsonBytes32(vectors, string.concat(".", tree, ".outputRoot"));
    }

    function treePreimage(string memory tree) internal view returns (OutputRootProof memory p) {
        p.stateRoot = vm.parseJsonBytes32(vectors, string.concat(".", tree, ".stateRoot"));
        p.withdrawalsRoot = vm.parseJsonBytes32(vectors, string.concat(".", tree, ".withdrawalsRoot"));
        p.l2BlockHash = vm.parseJsonBytes32(vectors, string.concat(".", tree, ".l2BlockHash"));
    }

    function item(string memory tree, uint256 i) internal view returns (string memory) {
        return string.concat(".", tree, ".items[", vm.toString(i), "]");
    }

    function treeWithdrawal(string memory tree, uint256 i) internal view returns (Withdrawal memory w) {
        string memory p = item(tree, i);
        w.index = vm.parseJsonUint(vectors, string.concat(p, ".index"));
        w.from = vm.parseJsonAddress(vectors, string.concat(p, ".from"));
        w.to = vm.parseJsonAddress(vectors, string.concat(p, ".to"));
        w.amount = vm.parseJsonUint(vectors, string.concat(p, ".amount"));
        w.l2BlockNumber = vm.parseJsonUint(vectors, string.concat(p, ".l2BlockNumber"));
    }

    function treeProof(string memory tree, uint256 i) internal view returns (bytes memory) {
        return vm.parseJsonBytes(vectors, string.concat(item(tree, i), ".proof"));
    }
}
