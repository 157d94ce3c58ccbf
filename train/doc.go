// Package train runs the book's training procedure on a graph.Model: the
// loop over epochs and minibatches (train_ch8 and train_epoch_ch8), gradient
// clipping by the global L2 norm (grad_clipping), the SGD solver, perplexity,
// and greedy generation (predict_ch8).
//
// The loop is short on purpose. Everything a run reports or records —
// progress lines, predictions every few epochs, metrics files, plots — is a
// Hook that the loop calls after each epoch.
package train
