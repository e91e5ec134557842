// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AllocationManager} from "../../eigenlayer/AllocationManager.sol";
import {DelegationManager} from "../../eigenlayer/DelegationManager.sol";
import {DevStakeToken} from "../../eigenlayer/DevStakeToken.sol";
import {PermissionController} from "../../eigenlayer/PermissionController.sol";
import {StrategyBase} from "../../eigenlayer/StrategyBase.sol";
import {StrategyManager} from "../../eigenlayer/StrategyManager.sol";
import {IAllocationManagerTypes} from "../../eigenlayer/interfaces/IAllocationManager.sol";
import {IAVSRegistrar} from "../../eigenlayer/interfaces/IAVSRegistrar.sol";
import {IStrategy} from "../../eigenlayer/interfaces/IStrategy.sol";
import {OperatorSet} from "../../eigenlayer/libraries/OperatorSetLib.sol";
import {Test} from "../utils/Test.sol";

/// @notice Deploys the whole stand-in (real contracts, no mocks) and plays the AVS: this contract
///         is the AVS address and its own registrar (the AllocationManager's default), recording
///         each hook call and able to veto registrations.
abstract contract EigenLayerFixture is Test, IAVSRegistrar {
    uint32 internal constant DEALLOCATION_DELAY = 50;
    uint32 internal constant CONFIG_DELAY = 10;
    uint32 internal constant ALLOCATION_DELAY = 5;
    uint64 internal constant WAD = 1e18;
    uint256 internal constant START_BLOCK = 1000;

    address internal constant OPERATOR = address(0x0A1);
    address internal constant OPERATOR2 = address(0x0A2);
    address internal constant STAKER = address(0x5A1);
    address internal constant SLASHER = address(0x51A5);
    address internal constant RECIPIENT = address(0xBEEF);
    address internal constant STRANGER = address(0xBAD);
    address internal constant BURN = 0x00000000000000000000000000000000000E16E4;

    PermissionController internal pc;
    DelegationManager internal dm;
    AllocationManager internal am;
    StrategyManager internal sm;
    DevStakeToken internal token;
    StrategyBase internal strategy;
    address internal avs;

    // registrar hook bookkeeping
    bool internal vetoRegistration;
    uint256 internal registerCalls;
    uint256 internal deregisterCalls;
    address internal lastHookOperator;

    function deployEigenLayer() internal {
        vm.roll(START_BLOCK);
        avs = address(this);
        pc = new PermissionController();
        dm = new DelegationManager(pc);
        am = new AllocationManager(dm, pc, DEALLOCATION_DELAY, CONFIG_DELAY);
        sm = new StrategyManager(dm, am, address(this));
        dm.wire(am, sm);
        token = new DevStakeToken("Stake", "STK", address(this), 1e30);
        strategy = newStrategy(token);
        am.updateAVSMetadataURI(avs, "https://avs.example/metadata.json");
    }

    function newStrategy(IERC20 underlying) internal returns (StrategyBase s) {
        s = new StrategyBase(sm, underlying);
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = s;
        sm.addStrategiesToDepositWhitelist(list);
    }

    /// @dev Funds `who` with `amount` tokens and deposits them into `s`.
    function depositAs(address who, StrategyBase s, uint256 amount) internal returns (uint256 shares) {
        IERC20 t = s.underlyingToken();
        t.transfer(who, amount);
        vm.startPrank(who);
        t.approve(address(sm), amount);
        shares = sm.depositIntoStrategy(s, t, amount);
        vm.stopPrank();
    }

    function newOperator(address op, uint256 stake) internal {
        if (stake != 0) depositAs(op, strategy, stake);
        vm.prank(op);
        dm.registerAsOperator(address(0), ALLOCATION_DELAY, "ipfs://operator");
    }

    function one(IStrategy s) internal pure returns (IStrategy[] memory list) {
        list = new IStrategy[](1);
        list[0] = s;
    }

    function ids(uint32 id) internal pure returns (uint32[] memory list) {
        list = new uint32[](1);
        list[0] = id;
    }

    function set(uint32 id) internal view returns (OperatorSet memory) {
        return OperatorSet(avs, id);
    }

    function createSet(uint32 id, address slasher) internal {
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(id, one(strategy), slasher);
        am.createOperatorSets(avs, p);
    }

    function createRedistributingSet(uint32 id, address slasher, address recipient) internal {
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(id, one(strategy), slasher);
        address[] memory r = new address[](1);
        r[0] = recipient;
        am.createRedistributingOperatorSets(avs, p, r);
    }

    function register(address op, uint32 id) internal {
        vm.prank(op);
        am.registerForOperatorSets(op, IAllocationManagerTypes.RegisterParams(avs, ids(id), ""));
    }

    function deregister(address op, uint32 id) internal {
        vm.prank(op);
        am.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(op, avs, ids(id)));
    }

    function allocParams(uint32 id, IStrategy s, uint64 magnitude)
        internal
        view
        returns (IAllocationManagerTypes.AllocateParams[] memory p)
    {
        uint64[] memory mags = new uint64[](1);
        mags[0] = magnitude;
        p = new IAllocationManagerTypes.AllocateParams[](1);
        p[0] = IAllocationManagerTypes.AllocateParams(set(id), one(s), mags);
    }

    function allocate(address op, uint32 id, uint64 magnitude) internal {
        vm.prank(op);
        am.modifyAllocations(op, allocParams(id, strategy, magnitude));
    }

    function slashParams(address op, uint32 id, uint256 wad)
        internal
        view
        returns (IAllocationManagerTypes.SlashingParams memory p)
    {
        uint256[] memory wads = new uint256[](1);
        wads[0] = wad;
        p = IAllocationManagerTypes.SlashingParams(op, id, one(strategy), wads, "misbehaviour");
    }

    function slash(address op, uint32 id, uint256 wad) internal returns (uint256 slashId, uint256 shares) {
        vm.prank(SLASHER);
        uint256[] memory s;
        (slashId, s) = am.slashOperator(avs, slashParams(op, id, wad));
        // Empty after a call an expectRevert caught.
        if (s.length != 0) shares = s[0];
    }

    function advance(uint256 blocks) internal {
        vm.roll(block.number + blocks);
    }

    function operatorShares(address op) internal view returns (uint256) {
        return dm.operatorShares(op, strategy);
    }

    // ---------------------------------------------------------------- IAVSRegistrar (this AVS)

    function registerOperator(address operator, address avs_, uint32[] calldata, bytes calldata) external {
        require(msg.sender == address(am) && avs_ == avs, "hook from elsewhere");
        require(!vetoRegistration, "AVS says no");
        registerCalls++;
        lastHookOperator = operator;
    }

    function deregisterOperator(address operator, address avs_, uint32[] calldata) external {
        require(msg.sender == address(am) && avs_ == avs, "hook from elsewhere");
        deregisterCalls++;
        lastHookOperator = operator;
    }

    function supportsAVS(address avs_) external view returns (bool) {
        return avs_ == avs;
    }
}
