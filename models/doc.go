// Package models holds the language models of the book's RNN section, one
// file each, as graph.Model implementations that package graph unrolls:
//
//   - MLP, the stateless baseline: H = phi(X W_xh + b_h), O = H W_hq + b_q;
//   - RNN, the model with a hidden state:
//     H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h), O_t = H_t W_hq + b_q.
//
// X_t is the one-hot encoding of the step's tokens; X_t W_xh is computed as
// the equivalent row lookup of W_xh (an embedding), which gives the same
// values and gradients without the (batch, vocab) one-hot product.
//
// Weights are drawn N(0, 1) * 0.01 from a seeded generator and biases start
// at zero, as in the book, so the same seed gives the same model.
package models
