#!/usr/bin/env node
// Draco-compress GLB files in place with gltf-pipeline (KHR_draco_mesh_compression).
// Only triangle primitives are compressed (gltf-pipeline leaves POINTS alone).
// Usage: node compress_glb.cjs [--texcoord-bits 14] [--position-bits 16] --list files.txt | a.glb ...
// Prints {"files": N, "bytesBefore": B, "bytesAfter": A} on stdout.
'use strict';
const fs = require('fs');
const pipeline = require('gltf-pipeline');

async function main() {
  const argv = process.argv.slice(2);
  const files = [];
  // 16-bit positions: a 100 m tile quantises to 1.5 mm; 14-bit texcoords keep a 4096 px texture exact
  const opts = { compressionLevel: 7, quantizePositionBits: 16, quantizeNormalBits: 10,
    quantizeTexcoordBits: 14, quantizeColorBits: 8, quantizeGenericBits: 16 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') {
      for (const l of fs.readFileSync(argv[++i], 'utf8').split('\n')) if (l.trim()) files.push(l.trim());
    } else if (a === '--texcoord-bits') opts.quantizeTexcoordBits = Number(argv[++i]);
    else if (a === '--position-bits') opts.quantizePositionBits = Number(argv[++i]);
    else files.push(a);
  }
  let before = 0, after = 0;
  for (const f of files) {
    const glb = fs.readFileSync(f);
    before += glb.length;
    const res = await pipeline.processGlb(glb, { dracoOptions: opts });
    // write next to the file then rename, so a crash never leaves a half-written tile
    fs.writeFileSync(f + '.tmp', res.glb);
    fs.renameSync(f + '.tmp', f);
    after += res.glb.length;
  }
  process.stdout.write(JSON.stringify({ files: files.length, bytesBefore: before, bytesAfter: after }) + '\n');
}

main().catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(2); });
