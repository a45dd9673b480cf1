"""Use cases that need a whole config: training into a run folder, resuming,
evaluating, validating, benchmarking an update step, the golden netlists.

The flow of imports: network → netlist → engines → learning → runs → cli. The
algorithms (rules, optimizers, the training loop) live in :mod:`spicelearn.learning`
and know nothing of folders; this layer writes and reads run folders
(:mod:`.folder`, :mod:`.checkpoint`, :mod:`.rundir`, :mod:`.report`).
"""
