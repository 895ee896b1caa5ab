#!/usr/bin/env node
// Decode Draco / meshopt compressed GLB files to plain GLB, so Python (trimesh) can read them.
// Uses the packages pinned in tiling/js (run with NODE_PATH=tiling/js/node_modules):
// @gltf-transform/core + extensions, draco3dgltf's decoder and meshoptimizer's decoder.
// Usage: node gltf_decode.cjs --list pairs.txt   (each line: "input.glb<TAB>output.glb")
// Prints {"files": N} on stdout; exit 2 with the reason on stderr when a file cannot be read.
'use strict';
const fs = require('fs');
const { NodeIO } = require('@gltf-transform/core');
const { ALL_EXTENSIONS } = require('@gltf-transform/extensions');
const draco3d = require('draco3dgltf');
const { MeshoptDecoder } = require('meshoptimizer');

const COMPRESSION = new Set(['KHR_draco_mesh_compression', 'EXT_meshopt_compression', 'KHR_meshopt_compression']);

async function main() {
  const argv = process.argv.slice(2);
  const listAt = argv.indexOf('--list');
  if (listAt < 0) throw new Error('usage: gltf_decode.cjs --list pairs.txt');
  const pairs = fs.readFileSync(argv[listAt + 1], 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => l.split('\t'));
  await MeshoptDecoder.ready;
  const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({
    'draco3d.decoder': await draco3d.createDecoderModule(),
    'meshopt.decoder': MeshoptDecoder,
  });
  for (const [input, output] of pairs) {
    let doc;
    try {
      doc = await io.readBinary(new Uint8Array(fs.readFileSync(input)));
    } catch (e) {
      throw new Error(`${input}: ${e && e.message ? e.message : e}`);
    }
    // reading decoded the geometry; dropping the extension writes it back uncompressed
    for (const ext of doc.getRoot().listExtensionsUsed()) {
      if (COMPRESSION.has(ext.extensionName)) ext.dispose();
    }
    fs.writeFileSync(output, await io.writeBinary(doc));
  }
  process.stdout.write(JSON.stringify({ files: pairs.length }) + '\n');
}

main().catch((e) => { console.error(e && e.message ? e.message : e); process.exit(2); });
