#!/usr/bin/python3
"""torch_init.py: the PyTorch reference's initial weights, under unroll's
parameter names and layouts, as an .npz that `cmd/train -init-from` loads.

    scripts/torch_init.py --impl concise -o concise.npz
    go run ./cmd/train -model rnn -hiddens 256 -init-from concise.npz

    scripts/torch_init.py --impl lstm -o lstm.npz
    go run ./cmd/train -model lstm -hiddens 256 -init-from lstm.npz

It builds the model exactly as the reference d2l_rnn_torch.py does for the
same --impl, --hiddens and --seed (random.seed, torch.manual_seed, then
the model), so the weights are those the reference run starts from. With
--first-loss it also prints the mean cross-entropy of that model on the
first minibatch of the reference's first epoch (zero state, no update), to
compare with unroll's on the same weights.

Layouts. unroll computes X W_xh with W_xh (inputs, hiddens); PyTorch
stores weight_ih_l0 as (gates*hiddens, inputs) and computes x W^T: every
weight is transposed. PyTorch has two biases per gate (b_ih, b_hh); unroll
has one, their sum. The output layer nn.Linear(hiddens, vocab) becomes
W_hq (hiddens, vocab) and b_q. Gate order: PyTorch's LSTM stacks i, f, g,
o (unroll: W_xi, W_xf, W_xc, W_xo), its GRU r, z, n (unroll: W_xr, W_xz,
W_xh). Layers are l1., l2., ... when there are several; directions fwd.
and bwd. (PyTorch's _reverse) when bidirectional; a bidirectional layer's
outputs are [forward, backward] in both.

Caveat for --impl gru: PyTorch's candidate is tanh(W_in x + b_in + r *
(W_hn h + b_hn)), the book's (unroll's) tanh(X W_xh + (R * H) W_hh + b_h):
the reset gate applies after the recurrent product in one, before it in
the other. The weights load (b_h = b_in + b_hn), but the two models
compute different functions, so their losses differ. rnn (concise,
scratch) and the LSTMs are the same functions.

Needs Debian's python3-torch and python3-numpy (/usr/bin/python3). --torch is the reference script
(default: $TORCH, else /work/shared/peers/d2l_rnn_torch.py).
"""
import argparse
import importlib.util
import os
import random
import sys

import numpy as np
import torch


def load_reference(path):
    spec = importlib.util.spec_from_file_location('d2l_rnn_torch', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def t(x):
    """A PyTorch weight (out, in) as unroll's (in, out), float32."""
    return np.ascontiguousarray(x.detach().numpy().T, dtype=np.float32)


def v(x):
    return np.ascontiguousarray(x.detach().numpy(), dtype=np.float32)


# unroll's gate names, in PyTorch's stacking order.
GATES = {'RNN': ['h'], 'LSTM': ['i', 'f', 'c', 'o'], 'GRU': ['r', 'z', 'h']}


def recurrent(layer, kind):
    """unroll's arrays of an nn.RNN, nn.GRU or nn.LSTM."""
    out = {}
    gates = GATES[kind]
    dirs = 2 if layer.bidirectional else 1
    for l in range(layer.num_layers):
        for d in range(dirs):
            sfx = f'_l{l}' + ('_reverse' if d == 1 else '')
            scope = []
            if layer.num_layers > 1:
                scope.append(f'l{l + 1}')
            if dirs == 2:
                scope.append('fwd' if d == 0 else 'bwd')
            pre = '.'.join(scope) + ('.' if scope else '')
            w_ih = getattr(layer, 'weight_ih' + sfx)
            w_hh = getattr(layer, 'weight_hh' + sfx)
            b = getattr(layer, 'bias_ih' + sfx) + getattr(layer, 'bias_hh' + sfx)
            h = layer.hidden_size
            for k, g in enumerate(gates):
                rows = slice(k * h, (k + 1) * h)
                out[pre + f'W_x{g}'] = t(w_ih[rows])
                out[pre + f'W_h{g}'] = t(w_hh[rows])
                out[pre + f'b_{g}'] = v(b[rows])
    return out


def arrays_of(ref, net, impl):
    if impl == 'scratch':
        names = ['W_xh', 'W_hh', 'b_h', 'W_hq', 'b_q']
        return {n: v(p) for n, p in zip(names, net.params)}
    kind = {'concise': 'RNN', 'gru': 'GRU'}.get(impl, 'LSTM')
    out = recurrent(net.rnn, kind)
    out['W_hq'] = t(net.linear.weight)
    out['b_q'] = v(net.linear.bias)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--impl', default='concise',
                    choices=['scratch', 'concise', 'gru', 'lstm', 'deep-lstm', 'bi-lstm'])
    ap.add_argument('--hiddens', type=int, default=None,
                    help='default as the reference: 512 (scratch), 256 (the others)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--max-tokens', type=int, default=10000)
    ap.add_argument('--data', default=os.environ.get('DATA', '/work/shared/data/timemachine.txt'))
    ap.add_argument('--torch', default=os.environ.get('TORCH', '/work/shared/peers/d2l_rnn_torch.py'))
    ap.add_argument('--first-loss', action='store_true',
                    help="print the loss on the reference's first minibatch (--batch, --steps, --iter)")
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--steps', type=int, default=35)
    ap.add_argument('--iter', choices=['sequential', 'random'], default='sequential')
    ap.add_argument('-o', '--out', required=True, help='the .npz to write')
    args = ap.parse_args()

    ref = load_reference(args.torch)
    hiddens = args.hiddens or (512 if args.impl == 'scratch' else 256)
    # As the reference's main(): seeds, corpus (no random draws), model.
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    ids, vocab, _, _ = ref.load_corpus(args.data, args.max_tokens)
    if args.impl == 'scratch':
        net = ref.ScratchRNN(len(vocab), hiddens, torch.device('cpu'))
    elif args.impl == 'concise':
        net = ref.ConciseRNN(len(vocab), hiddens)
    else:
        net = ref.ConciseCell(args.impl, len(vocab), hiddens)
    arrays = arrays_of(ref, net, args.impl)
    np.savez(args.out, **arrays)
    model = {'scratch': 'rnn', 'concise': 'rnn', 'gru': 'gru'}.get(args.impl, 'lstm')
    layers = {'deep-lstm': 2, 'bi-lstm': 2}.get(args.impl, 1)
    flags = f'-model {model} -hiddens {hiddens}'
    if layers > 1:
        flags += f' -layers {layers}'
    if args.impl == 'bi-lstm':
        flags += ' -bidirectional'
    print(f'wrote {args.out}: {len(arrays)} arrays, vocabulary of {len(vocab)}; '
          f'train with: {flags} -init-from {args.out}', file=sys.stderr)
    if args.first_loss:
        # The reference's first epoch draws its first minibatch now, from
        # the same random state.
        it = ref.iter_sequential if args.iter == 'sequential' else ref.iter_random
        x, y = next(iter(it(ids, args.batch, args.steps)))
        with torch.no_grad():
            logits, _ = net(x, net.zero_state(x.shape[0], torch.device('cpu')))
            loss = torch.nn.functional.cross_entropy(logits, y.T.reshape(-1).long())
        print(f'first minibatch loss {float(loss):.9f}')


if __name__ == '__main__':
    main()
