// The training worker's data: the built-in hands, or the course's two HDF5 files read by
// the HDF5 module (loaded on the first file). The page is told what is in use (`data`).
import { core, initH5Reader } from '../core.js';
import { codedError, errorCause } from '../errors.js';
import { IN, fromWorker } from './protocol.js';
import { post, fail } from './post.js';

const data = { source: 'synthetic', synthetic: null, h5: { train: null, test: null }, h5Names: { train: null, test: null } };

/** The training and test sets in use (core.DataSet each); an error when a course file is missing. */
export function datasets() {
  if (data.source === 'h5') {
    const { train, test } = data.h5;
    if (!train || !test) throw train ? codedError('data.test-missing') : codedError('data.train-missing');
    return { train, test };
  }
  if (!data.synthetic) data.synthetic = { train: core.DataSet.synthetic(false), test: core.DataSet.synthetic(true) };
  return data.synthetic;
}

// The first `per` pictures of every class (course files are sorted by class).
function preview(set, per = 4) {
  const labels = set.labels();
  const classes = Array.from(set.classes());
  const taken = new Map();
  const indices = [];
  labels.forEach((l, i) => {
    const n = taken.get(l) || 0;
    if (n < per) { taken.set(l, n + 1); indices.push(i); }
  });
  indices.sort((a, b) => labels[a] - labels[b] || a - b);
  const tiles = set.picturesAt(Uint32Array.from(indices));
  return { tiles, labels: indices.map((i) => classes[labels[i]] ?? labels[i]) };
}

function describeData() {
  const { train, test } = data.source === 'h5' ? data.h5 : datasets();
  const info = (s) => (s ? { count: s.length, classes: Array.from(s.classes()) } : null);
  const shown = train || test;
  const p = shown ? preview(shown) : null;
  post(fromWorker.data(data.source, info(train), info(test), data.h5Names, p && { labels: p.labels, tiles: p.tiles, from: train ? 'training' : 'test' }),
    p ? [p.tiles.rgba.buffer] : []);
}

export const datasetHandlers = {
  [IN.useSynthetic]() {
    data.source = 'synthetic';
    describeData();
  },
  // The HDF5 module reads each file, the core gets its pictures, labels and classes. What
  // a file holds (train_set_x or test_set_x), not its name, says which half it is; a bad
  // file or two files of the same half replace nothing.
  async [IN.h5Files]({ files }) {
    const read = [];
    try {
      const reader = await initH5Reader();
      for (const { name, bytes } of files) {
        try {
          const file = reader.readCourseH5(new Uint8Array(bytes));
          try {
            read.push({ name, split: file.split(), set: core.DataSet.fromParts(file.pixels(), file.labels(), file.classes()) });
          } finally {
            file.free();
          }
        } catch (e) {
          throw codedError('data.file', { name, cause: errorCause(e) });
        }
      }
      const [a, b] = read;
      if (b && a.split === b.split) {
        const names = { a: a.name, b: b.name };
        throw a.split === 'train' ? codedError('data.both-train', names) : codedError('data.both-test', names);
      }
    } catch (e) {
      read.forEach((r) => r.set.free());
      fail('data', e);
      return;
    }
    for (const { name, split, set } of read) {
      data.h5[split]?.free();
      data.h5[split] = set;
      data.h5Names[split] = name;
    }
    data.source = 'h5';
    describeData();
  },
};
