#!/usr/bin/python3
"""Generates the expected values hard-coded in the datasets tests.

Run:  /usr/bin/python3 datasets/testdata/gen_vectors.py [path/to/timemachine.txt]

Pure standard library (Python 3.11).  The data functions below are copied
from /work/shared/peers/d2l_rnn_torch.py (read_lines, CharVocab,
iter_sequential, iter_random, count_batches) with torch.tensor replaced by
plain lists; random draws happen in exactly the same order.  Each section
prints a header naming the Go test that uses its output.
"""
import collections
import random
import re
import sys


# ---- copied from d2l_rnn_torch.py, torch removed ---------------------------

def read_lines(path):
    with open(path, 'r') as f:
        raw = f.readlines()
    return [re.sub('[^A-Za-z]+', ' ', s).strip().lower() for s in raw]


class CharVocab:
    def __init__(self, char_lines):
        counts = collections.Counter(c for s in char_lines for c in s)
        self.freqs = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
        self.itos = ['<unk>']
        self.stoi = {'<unk>': 0}
        for tok, _ in self.freqs:
            if tok not in self.stoi:
                self.stoi[tok] = len(self.itos)
                self.itos.append(tok)

    def idx(self, ch):
        return self.stoi.get(ch, 0)


def iter_sequential(ids, batch, steps):
    off = random.randint(0, steps)
    n = ((len(ids) - off - 1) // batch) * batch
    xs = ids[off:off + n]
    ys = ids[off + 1:off + 1 + n]
    w = n // batch
    nb = w // steps
    for j in range(nb):
        x = [xs[b * w + j * steps: b * w + (j + 1) * steps] for b in range(batch)]
        y = [ys[b * w + j * steps: b * w + (j + 1) * steps] for b in range(batch)]
        yield x, y


def iter_random(ids, batch, steps):
    ids = ids[random.randint(0, steps - 1):]
    nsub = (len(ids) - 1) // steps
    starts = list(range(0, nsub * steps, steps))
    random.shuffle(starts)
    nb = nsub // batch
    for j in range(nb):
        sel = starts[j * batch:(j + 1) * batch]
        x = [ids[s:s + steps] for s in sel]
        y = [ids[s + 1:s + 1 + steps] for s in sel]
        yield x, y


def count_batches(n_tokens, batch, steps, kind):
    out = set()
    if kind == 'sequential':
        for off in range(0, steps + 1):
            n = ((n_tokens - off - 1) // batch) * batch
            out.add((n // batch) // steps)
    else:
        for off in range(0, steps):
            nsub = (n_tokens - off - 1) // steps
            out.add(nsub // batch)
    return sorted(out)


# ---- the book's word-level Vocab (d2l.Vocab, v0.17.6) ----------------------

def book_vocab_freqs(tokens):
    counter = collections.Counter(t for line in tokens for t in line)
    return sorted(counter.items(), key=lambda x: x[1], reverse=True)


class BookVocab:
    """d2l.Vocab as in d2l/torch.py v0.17.6 (count_corpus inlined)."""
    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        if tokens is None:
            tokens = []
        if reserved_tokens is None:
            reserved_tokens = []
        if len(tokens) == 0 or isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        counter = collections.Counter(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda x: x[1],
                                   reverse=True)
        self.idx_to_token = ['<unk>'] + reserved_tokens
        self.token_to_idx = {token: idx
                             for idx, token in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1


def digest(batches):
    """Polynomial hash of all X and Y values of an epoch, in (B,T) order."""
    h = 0
    for x, y in batches:
        for row in x + y:
            for v in row:
                h = (h * 1000003 + v + 1) % (1 << 61)
    return h


# ---- sections ----------------------------------------------------------------

print('== pyrandom_test.go: TestPyRandomVectors')
for seed in (0, 1, 42, 2**40 + 7):
    random.seed(seed)
    ri = [random.randint(0, 35) for _ in range(12)]
    random.seed(seed)
    gb = [random.getrandbits(32) for _ in range(6)]
    random.seed(seed)
    sh = list(range(10))
    random.shuffle(sh)
    random.seed(seed)
    rf = [repr(random.random()) for _ in range(4)]
    print(f'seed={seed}\n  randint(0,35)={ri}\n  getrandbits(32)={gb}\n'
          f'  shuffle(range(10))={sh}\n  random()={rf}')

print('== pyrandom_test.go: TestPyRandomWideBits')
random.seed(42)
print('  getrandbits(64) x3 =', [random.getrandbits(64) for _ in range(3)])
random.seed(42)
print('  getrandbits(40) x3 =', [random.getrandbits(40) for _ in range(3)])
random.seed(42)
print('  randrange(2**40+3) x3 =', [random.randrange(2**40 + 3) for _ in range(3)])
random.seed(42)
print('  getrandbits(1),(7),(33) =', [random.getrandbits(1), random.getrandbits(7), random.getrandbits(33)])
random.seed(-5)
a = random.getrandbits(32)
random.seed(5)
print('  seed(-5)==seed(5):', a == random.getrandbits(32), a)
random.seed(2**64 + 1)
print('  seed(2**64+1) getrandbits(32) x2 =', [random.getrandbits(32) for _ in range(2)])

print('== vocab_test.go: TestNewVocabBook')
toks = [['b', 'a', 'c'], [], ['a', 'b', 'd', 'e', 'e']]
for mf, res in ((0, None), (2, None), (3, None), (0, ['<pad>', 'a']), (2, ['<bos>'])):
    v = BookVocab(toks, mf, res)
    print(f'  min_freq={mf} reserved={res}: idx_to_token={v.idx_to_token} '
          f'token_freqs={v._token_freqs}')

print('== iter_test.go: toy seeds (first draw)')
s = next(s for s in range(1000) if (random.seed(s), random.randint(0, 5))[1] == 0)
print('  first seed with randint(0,5)==0 (sequential T=5):', s)
s = next(s for s in range(1000) if (random.seed(s), random.randint(0, 4))[1] == 3)
print('  first seed with randint(0,4)==3 (random T=5):', s)
random.seed(s)
print('  random epoch of range(35), B=2, T=5, that seed:',
      [x for x, _ in iter_random(list(range(35)), 2, 5)])

print('== iter_test.go: TestIteratorMatchesPython (synthetic corpus)')
ids, x = [], 1
for _ in range(203):  # LCG (glibc constants) -> ids in [0, 13)
    x = (x * 1103515245 + 12345) % 2**31
    ids.append((x >> 16) % 13)
print('  corpus head', ids[:8], 'sum', sum(ids))
for kind, fn in (('sequential', iter_sequential), ('random', iter_random)):
    random.seed(7)
    for ep in range(3):
        bs = list(fn(ids, 3, 4))
        print(f'  {kind} epoch {ep}: batches={len(bs)} digest={digest(bs)} '
              f'first X={bs[0][0]}')

print('== iter_test.go: TestCountBatches')
for n, b, t in ((35, 2, 5), (203, 3, 4), (46, 4, 5), (3, 2, 5)):
    for kind in ('sequential', 'random'):
        print(f'  count_batches({n}, {b}, {t}, {kind!r}) =', count_batches(n, b, t, kind))

if len(sys.argv) > 1:
    path = sys.argv[1]
    lines = read_lines(path)
    char_lines = [list(s) for s in lines]
    vocab = CharVocab(char_lines)
    full = [vocab.idx(c) for s in char_lines for c in s]
    print('== corpus_test.go: TestTimeMachineFacts')
    print('  lines', len(lines), 'chars', len(full), 'vocab', len(vocab.itos))
    print('  itos', vocab.itos)
    print('  first 3 cleaned lines', lines[:3])
    print('  lines[10]', repr(lines[10]))
    print('  char freqs top 5', vocab.freqs[:5])
    for kind in ('sequential', 'random'):
        print(f'  count_batches 10000 {kind}', count_batches(10000, 32, 35, kind))
        print(f'  count_batches full {kind}', count_batches(len(full), 32, 35, kind))
    ids = full[:10000]
    for kind, fn in (('sequential', iter_sequential), ('random', iter_random)):
        random.seed(0)
        bs = list(fn(ids, 32, 35))
        x = bs[0][0]
        print(f'  seed 0 {kind}: batches={len(bs)} X[0][:10]={x[0][:10]} '
              f'X[1][:10]={x[1][:10]} digest={digest(bs)}')
    words = [line.split() for line in lines]
    wf = book_vocab_freqs(words)
    print('  word tokens', sum(len(l) for l in words), 'distinct', len(wf))
    print('  word token_freqs[:10]', wf[:10])
    for mf in (0, 2, 3, 5, 10):
        v = BookVocab(words, mf)
        unk = sum(1 for l in words for w in l if w not in v.token_to_idx)
        kinds = len({w for l in words for w in l if w not in v.token_to_idx})
        print(f'  word Vocab(tokens, min_freq={mf}): len {len(v.idx_to_token)}, '
              f'<unk> tokens {unk}, distinct {kinds}, idx_to_token[:6] {v.idx_to_token[:6]}')

    # What the preprocessing drops (preprocess_test.go: TestPreprocessStatsTimeMachine).
    # Characters exclude line breaks; white space is not counted as dropped.
    with open(path, 'r') as f:
        raw = f.read()
    chars = [c for c in raw if c not in '\r\n']
    ascii_letter = lambda c: ('a' <= c <= 'z') or ('A' <= c <= 'Z')
    dropped = [c for c in chars if not ascii_letter(c) and not c.isspace()]
    print('== preprocess_test.go: TestPreprocessStatsTimeMachine')
    print('  book: chars', len(chars), 'kept', sum(1 for c in chars if ascii_letter(c)),
          'dropped', len(dropped), 'dropped letters', sum(1 for c in dropped if c.isalpha()))
    top = sorted(collections.Counter(dropped).items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    print('  book: top dropped', top)
    # -preprocess unicode: letters of any script (str.isalpha, the same
    # classes as Go's unicode.IsLetter), lower-cased; other runs one space.
    ulines = [' '.join(''.join(c.lower() if c.isalpha() else ' ' for c in s).split())
              for s in raw.splitlines()]
    uchars = collections.Counter(c for s in ulines for c in s)
    print('  unicode: chars', sum(uchars.values()), 'vocab', 1 + len(uchars),
          'non-ascii letters kept', sorted(c for c in uchars if ord(c) > 127))
    uwords = [s.split() for s in ulines]
    print('  unicode word vocab', 1 + len({w for l in uwords for w in l}))
