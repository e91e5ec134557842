// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AllocationManager} from "../eigenlayer/AllocationManager.sol";
import {DelegationManager} from "../eigenlayer/DelegationManager.sol";
import {DevStakeToken} from "../eigenlayer/DevStakeToken.sol";
import {OpenAVSRegistrar} from "../eigenlayer/OpenAVSRegistrar.sol";
import {PermissionController} from "../eigenlayer/PermissionController.sol";
import {StrategyBase} from "../eigenlayer/StrategyBase.sol";
import {StrategyManager} from "../eigenlayer/StrategyManager.sol";
import {IAllocationManagerTypes} from "../eigenlayer/interfaces/IAllocationManager.sol";
import {IAVSRegistrar} from "../eigenlayer/interfaces/IAVSRegistrar.sol";
import {IStrategy} from "../eigenlayer/interfaces/IStrategy.sol";
import {OperatorSet} from "../eigenlayer/libraries/OperatorSetLib.sol";
import {InvalidComputeProof} from "../src/fraud/InvalidComputeProof.sol";
import {FraudProofs} from "../src/FraudProofs.sol";
import {IAllocationManagerView} from "../src/interfaces/IAllocationManagerView.sol";
import {IStrategyManagerSlashing} from "../src/interfaces/IEigenLayerSlashing.sol";
import {Bn254} from "../src/lib/Bn254.sol";
import {OutputRootLib, OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {OperatorRegistry} from "../src/OperatorRegistry.sol";
import {BlsFixture} from "./utils/BlsFixture.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice The whole stack a fraud proof touches, real parts only: the EigenLayer stand-in with one
///         redistributing operator set whose slasher and recipient is FraudProofs, four operators
///         with 1000 tokens each (BLS keys of test/vectors/blsVectors.json), the OperatorRegistry,
///         an attested OutputOracle, the Portal and the InvalidComputeProof verifier pinned to the
///         tiny tier of test/vectors/fraudVectors.json. The attested output combines the fraud
///         vectors' state (a PASSED record of a cheating reveal) with l1Vectors' honest withdrawals
///         tree, so one output holds both the fraud and a provable withdrawal.
abstract contract FraudProofsFixture is Fixture, BlsFixture {
    uint32 internal constant DEALLOCATION_DELAY = 200;
    uint32 internal constant WINDOW_BLOCKS = 50;
    uint32 internal constant MAX_POSTING_DELAY = 20;
    uint64 internal constant AVAILABILITY_WINDOW = 100;
    uint64 internal constant L2_CHAIN_ID = 1_042_000;
    uint256 internal constant STAKE = 1000e18;
    uint256 internal constant WAD_EQUIVOCATION = 0.5e18;
    uint256 internal constant WAD_INVALID_COMPUTE = 0.1e18;
    uint256 internal constant WAD_AVAILABILITY = 0.25e18;
    uint16 internal constant CHALLENGER_BPS = 5000;
    uint256 internal constant DEMAND_BOND = 0.01 ether;
    address internal constant TREASURY = address(0x7EA5);
    address internal constant WATCHER = address(0xC0FFEE);
    string internal constant TREE = "honestTree";

    PermissionController internal pc;
    DelegationManager internal dm;
    AllocationManager internal elAm;
    StrategyManager internal sm;
    DevStakeToken internal token;
    StrategyBase internal strategy;
    InvalidComputeProof internal verifier;
    FraudProofs internal fraud;
    string internal fv;

    function setUpFraud() internal {
        deployAll();
        bls = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/blsVectors.json"));
        fv = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/fraudVectors.json"));
        pc = new PermissionController();
        dm = new DelegationManager(pc);
        elAm = new AllocationManager(dm, pc, DEALLOCATION_DELAY, 0);
        sm = new StrategyManager(dm, elAm, address(this));
        dm.wire(elAm, sm);
        token = new DevStakeToken("Stake", "STK", address(this), 1e30);
        strategy = new StrategyBase(sm, token);
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = strategy;
        sm.addStrategiesToDepositWhitelist(list);

        vm.prank(AVS);
        elAm.updateAVSMetadataURI(AVS, "flops fraud test");
        OpenAVSRegistrar registrar = new OpenAVSRegistrar(address(elAm), AVS);
        vm.prank(AVS);
        elAm.setAVSRegistrar(AVS, IAVSRegistrar(address(registrar)));

        registry = new OperatorRegistry(IAllocationManagerView(address(elAm)), AVS, SET_ID);
        vm.prank(ADMIN);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
        verifier = newVerifier();
        fraud = new FraudProofs(config(MAX_POSTING_DELAY));

        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(SET_ID, list, address(fraud));
        address[] memory recipients = new address[](1);
        recipients[0] = address(fraud);
        vm.prank(AVS);
        elAm.createRedistributingOperatorSets(AVS, p, recipients);

        vm.startPrank(ADMIN);
        oracle.grantRole(oracle.CHALLENGER_ROLE(), address(fraud));
        portal.grantRole(portal.VERDICT_ROLE(), address(fraud));
        vm.stopPrank();

        for (uint256 i = 0; i < 4; ++i) {
            joinReal(i);
        }
        vm.roll(block.number + 2);
    }

    function config(uint32 maxPostingDelay) internal view returns (FraudProofs.Config memory) {
        return FraudProofs.Config({
            oracle: oracle,
            portal: portal,
            verifier: verifier,
            strategyManager: IStrategyManagerSlashing(address(sm)),
            treasury: TREASURY,
            wadEquivocation: WAD_EQUIVOCATION,
            wadInvalidCompute: WAD_INVALID_COMPUTE,
            wadAvailability: WAD_AVAILABILITY,
            challengerShareBps: CHALLENGER_BPS,
            availabilityWindow: AVAILABILITY_WINDOW,
            maxPostingDelayBlocks: maxPostingDelay,
            maxSlashesPerTx: slashesPerTx(),
            demandBond: DEMAND_BOND
        });
    }

    /// @dev Signers slashed per transaction; a test contract lowers it to exercise the batches.
    function slashesPerTx() internal pure virtual returns (uint32) {
        return 32;
    }

    function newVerifier() internal returns (InvalidComputeProof) {
        InvalidComputeProof.TierConfig[] memory tiers = new InvalidComputeProof.TierConfig[](1);
        tiers[0] = InvalidComputeProof.TierConfig({id: 100, n: 16, m: 2, k: 8});
        return new InvalidComputeProof(
            uint64(vm.parseJsonUint(fv, ".l2ChainId")),
            vm.parseJsonBytes(fv, ".beacon.publicKey"),
            uint64(vm.parseJsonUint(fv, ".beacon.genesisTime")),
            uint64(vm.parseJsonUint(fv, ".beacon.period")),
            tiers
        );
    }

    /// @dev Operator i stakes, becomes an operator, joins the set, allocates everything, registers
    ///      its BLS key: the path a real operator takes.
    function joinReal(uint256 i) internal {
        address op = operatorAddr(i);
        token.transfer(op, STAKE);
        vm.startPrank(op);
        token.approve(address(sm), STAKE);
        sm.depositIntoStrategy(strategy, IERC20(address(token)), STAKE);
        dm.registerAsOperator(address(0), 0, "ipfs://op");
        vm.stopPrank();
        vm.roll(block.number + 1);
        uint32[] memory ids = new uint32[](1);
        ids[0] = SET_ID;
        vm.prank(op);
        elAm.registerForOperatorSets(op, IAllocationManagerTypes.RegisterParams(AVS, ids, ""));
        IAllocationManagerTypes.AllocateParams[] memory a = new IAllocationManagerTypes.AllocateParams[](1);
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = strategy;
        uint64[] memory mags = new uint64[](1);
        mags[0] = 1e18;
        a[0] = IAllocationManagerTypes.AllocateParams(OperatorSet(AVS, SET_ID), list, mags);
        vm.prank(op);
        elAm.modifyAllocations(op, a);
        vm.roll(block.number + 1);
        Bn254.G1Point memory pop = popOf(i, op);
        vm.prank(op);
        registry.register(pkG1(i), pkG2(i), pop);
    }

    /// @dev The output's preimage: the fraud state, l1Vectors' withdrawals tree.
    function fraudPreimage() internal view returns (OutputRootProof memory p) {
        p.stateRoot = vm.parseJsonBytes32(fv, ".cheating.preimage.stateRoot");
        p.withdrawalsRoot = treePreimage(TREE).withdrawalsRoot;
        p.l2BlockHash = vm.parseJsonBytes32(fv, ".cheating.preimage.l2BlockHash");
    }

    function fraudOutputRoot() internal view returns (bytes32) {
        OutputRootProof memory p = fraudPreimage();
        return keccak256(abi.encode(OutputRootLib.VERSION, p.stateRoot, p.withdrawalsRoot, p.l2BlockHash));
    }

    /// @dev Posts `root` for `l2Block`, signed by operators `mask` of the four registered.
    function postAttested(bytes32 root, uint256 l2Block, uint256 mask) internal returns (uint256) {
        bytes32 h = keccak256(abi.encode("l1", block.number - 1));
        vm.setBlockhash(block.number - 1, h);
        return oracle.proposeOutputAttested(
            root, l2Block, h, block.number - 1, attest(mask, 0x0f, oracle.outputMessageHash(root, l2Block, h))
        );
    }

    /// @dev Operators `mask` in the set's member order (the order they joined).
    function signersOf(uint256 mask) internal pure returns (address[] memory s) {
        uint256 n = 0;
        for (uint256 i = 0; i < 4; ++i) {
            if ((mask >> i) & 1 == 1) ++n;
        }
        s = new address[](n);
        uint256 k = 0;
        for (uint256 i = 0; i < 4; ++i) {
            if ((mask >> i) & 1 == 1) s[k++] = operatorAddr(i);
        }
    }

    /// @dev A tiny-tier claim of fraudVectors.json case `name`, against the fixture's output.
    function claim(string memory name) internal view returns (InvalidComputeProof.Claim memory c) {
        string memory p = string.concat(".", name, ".");
        c.outputRoot = fraudOutputRoot();
        c.preimage = fraudPreimage();
        c.record = vm.parseJsonBytes(fv, string.concat(p, "record"));
        c.recordProof = vm.parseJsonBytes(fv, string.concat(p, "recordProof"));
        c.beaconY = vm.parseJsonBytes(fv, string.concat(p, "beaconY"));
        c.tiles = vm.parseJsonBytes(fv, string.concat(p, "tiles"));
        c.proof = vm.parseJsonBytes(fv, string.concat(p, "proof"));
        c.sampleIndex = vm.parseJsonUint(fv, string.concat(p, "sampleIndex"));
    }

    /// @dev Operator i's stake slashable by the set (one strategy), now.
    function slashable(uint256 i) internal view returns (uint256) {
        address[] memory ops = new address[](1);
        ops[0] = operatorAddr(i);
        address[] memory strategies = new address[](1);
        strategies[0] = address(strategy);
        return IAllocationManagerView(address(elAm)).getMinimumSlashableStake(
            IAllocationManagerView.OperatorSet(AVS, SET_ID), ops, strategies, uint32(block.number)
        )[0][0];
    }

    /// @dev Sends `who` wei from this test contract (forge funds it; Test.sol has no `deal`).
    function fund(address who, uint256 amount) internal {
        (bool ok,) = who.call{value: amount}("");
        vm.assertTrue(ok, "funded");
    }

    /// @dev `before` less the WAD share, up to the stand-in's rounding (a few wei).
    function assertSlashedBy(uint256 before, uint256 afterwards, uint256 wad, string memory what) internal pure {
        uint256 want = before - before * wad / 1e18;
        uint256 diff = afterwards > want ? afterwards - want : want - afterwards;
        vm.assertLe(diff, 2, what);
    }
}
