// Times ONNX Runtime (CPU execution provider, all graph optimisations) on one ONNX file, the
// same way `castnet bench` times castnet, and prints one JSON line:
//   node run_ort.js MODEL.onnx --threads N --iters N --warmup N
// Inputs are random floats of the model's declared shapes (symbolic dims taken as --batch).
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function main() {
  const model = process.argv[2];
  const threads = parseInt(arg('--threads', '1'), 10);
  const iters = parseInt(arg('--iters', '20'), 10);
  const warmup = parseInt(arg('--warmup', '3'), 10);
  const batch = parseInt(arg('--batch', '1'), 10);
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata ? session.inputMetadata.find((m) => m.name === name) : null;
    let dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : batch)) : [batch, 3, 224, 224];
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; ++i) { s = (s * 1103515245 + 12345) >>> 0; data[i] = (s / 4294967296) - 0.5; }
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; ++i) {
    const s = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(JSON.stringify({ engine: 'onnxruntime', version: ort.env.versions ? ort.env.versions.common : '', model,
    threads, iters, load_ms: loadMs, median_ms: q(0.5), p10_ms: q(0.1), p90_ms: q(0.9), min_ms: times[0],
    max_ms: times[times.length - 1] }));
}
main().catch((e) => { console.error('run_ort: error: ' + e.message); process.exit(2); });
