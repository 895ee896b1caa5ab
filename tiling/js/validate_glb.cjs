#!/usr/bin/env node
// Validate one or many GLB/glTF files with the Khronos glTF-Validator (npm gltf-validator, JS API:
// the package has no CLI). Usage:
//   node validate_glb.cjs a.glb b.glb ...        or   node validate_glb.cjs --list files.txt
// Prints one JSON document on stdout:
//   {"validatorVersion": "...", "numErrors": N, "files": [{"path", "numErrors", "numWarnings",
//     "numInfos", "numHints", "messages": [{"code","message","pointer","severity"}]}]}
// Exit code: 0 when no file has errors, 1 when any has, 2 when the validator itself failed.
'use strict';
const fs = require('fs');
const path = require('path');
const validator = require('gltf-validator');

function fileList(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--list') {
      const text = fs.readFileSync(argv[++i], 'utf8');
      for (const line of text.split('\n')) if (line.trim()) out.push(line.trim());
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

async function validateOne(file) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const dir = path.dirname(file);
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 200,
    // external buffers/images are resolved next to the file; nothing is ever fetched
    externalResourceFunction: (uri) => new Promise((resolve, reject) => {
      const p = path.join(dir, decodeURIComponent(uri));
      fs.readFile(p, (err, data) => (err ? reject(err) : resolve(new Uint8Array(data))));
    }),
  });
  const issues = report.issues;
  // severity: 0 error, 1 warning, 2 info, 3 hint; keep errors and warnings for the report
  const messages = issues.messages.filter((m) => m.severity <= 1).slice(0, 20)
    .map((m) => ({ code: m.code, message: m.message, pointer: m.pointer, severity: m.severity }));
  return { version: report.validatorVersion, entry: {
    path: file, numErrors: issues.numErrors, numWarnings: issues.numWarnings,
    numInfos: issues.numInfos, numHints: issues.numHints, messages } };
}

async function main() {
  const files = fileList(process.argv.slice(2));
  const result = { validatorVersion: null, numErrors: 0, files: [] };
  for (const f of files) {
    let r;
    try {
      r = await validateOne(f);
    } catch (e) {
      r = { version: null, entry: { path: f, numErrors: 1, numWarnings: 0, numInfos: 0, numHints: 0,
        messages: [{ code: 'UNREADABLE', message: String(e && e.message ? e.message : e), severity: 0 }] } };
    }
    result.validatorVersion = result.validatorVersion || r.version;
    result.numErrors += r.entry.numErrors;
    result.files.push(r.entry);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.numErrors ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
