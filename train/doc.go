// Package train runs the book's training procedure on a graph.Model: the
// loop over epochs and minibatches (train_ch8 and train_epoch_ch8), gradient
// clipping by the global L2 norm (grad_clipping), the SGD solver, perplexity,
// and greedy generation (predict_ch8).
//
// Beyond the book, for running experiments: Adam and learning-rate
// schedules, validation perplexity on held-out text, sampling with a
// temperature and top-k (Generator.Sample), a JSON-lines metrics log, and
// checkpoints that a later run resumes exactly (Checkpointer,
// OpenCheckpoint, Checkpoint.Restore): 2 epochs, a checkpoint and 2 more
// give the same perplexities and parameters, bit for bit, as 4 epochs.
// What a checkpoint holds of a Trainer is its Snapshot (Trainer.Snapshot,
// Trainer.Restore), which also serves in memory. Weights from elsewhere
// (NumPy, PyTorch: scripts/torch_init.py) start a model through
// LoadParams and SetParams, by parameter name, with package npz reading
// the .npz; SaveParams writes a model's.
//
// The loop is short on purpose. Everything a run reports or records —
// progress lines, predictions every few epochs, metrics files, checkpoints,
// plots, early stopping — is a Hook that the loop calls after each epoch.
package train
