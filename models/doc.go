// Package models holds the book's recurrent cells, one file each, written
// as the book's equations in Gorgonia ops (graph.Expr), and composes any
// cell into a language model that package graph unrolls:
//
//   - RNNCell (8.4, rnn.go): H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h);
//   - GRUCell (9.1, gru.go): reset and update gates, a candidate state;
//   - LSTMCell (9.2, lstm.go): input, forget and output gates, the memory
//     cell C_t;
//   - MLPCell (8.4.1, mlp.go): the stateless baseline, H = phi(X W_xh + b_h).
//
// Recurrent runs a cell over a sequence, Stack stacks layers (num_layers,
// 9.3), Bidirectional runs one cell forward and another backward (9.4),
// and LM adds the output layer O_t = H_t W_hq + b_q. New builds the model a
// Config describes from the registry: Register adds a cell of the user's
// own, which then trains, checkpoints, resumes and samples like the
// built-in ones (see Example_userCell in package train).
//
// Parameters carry the book's names (W_xz, W_hz, b_z, ...), prefixed by
// layer and direction when there are several ("l2.W_hh", "l1.bwd.W_xi").
// Weights are drawn from a seeded generator, so the same Config gives the
// same model: N(0, 1) * 0.01 with zero biases as in the book (InitBook), or
// as PyTorch's nn.GRU, nn.LSTM and nn.Linear draw them (InitPyTorch).
package models
