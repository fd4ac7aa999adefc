// The peer of `cargo bench -p runtime --bench lambda`: the same update lambda
// run by Node.js (what preview Flow used), with the same JSON in and JSON out
// per call (the document arrives as JSON text and the result leaves as JSON
// text, as it crossed preview's process boundary). Prints calls per second.
//
//   node server/runtime/benches/lambda-node.mjs

const update = async (source) => {
  return [{ userId: source.userId, total: source.quantity * 2, items: [source.productId] }];
};

const documents = Array.from({ length: 1000 }, (_, n) =>
  JSON.stringify({ userId: n % 17, productId: n, quantity: (n % 5) - 2, note: "update" }));

async function batch() {
  for (const text of documents) {
    const out = await update(JSON.parse(text));
    if (!Array.isArray(out)) throw new Error("not an array");
    JSON.stringify(out);
  }
}

for (let i = 0; i < 200; i++) await batch(); // warm up the JIT
const samples = [];
for (let i = 0; i < 100; i++) {
  const start = process.hrtime.bigint();
  await batch();
  samples.push(Number(process.hrtime.bigint() - start) / 1e9);
}
samples.sort((a, b) => a - b);
const median = samples[samples.length >> 1];
console.log(`node ${process.version}: update_small_document median ${(1000 / median / 1000).toFixed(0)}k calls/s`);
