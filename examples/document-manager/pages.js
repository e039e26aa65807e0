'use strict';
/**
 * The document manager's own HTML pages: the document list with its upload form, and the error
 * pages. Plain template strings: every value that comes from a request, a file name or the editor
 * goes through escapeHtml. The pages carry no script at all, and their Content-Security-Policy
 * allows only the one stylesheet below (by its hash), so injected markup could not run anything
 * either. The host page that embeds the editor is express-wopi's (hostPageHandler), with its own
 * CSP.
 */
const crypto = require('node:crypto');

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}',
  'table{border-collapse:collapse;width:100%}',
  'th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}',
  'td.size{white-space:nowrap}',
  'tr.current{background:#fff8d6}',
  'code{font-size:13px;word-break:break-all}',
  '.notice{padding:.5rem .8rem;background:#eef6ee;border-left:4px solid #3a3}',
  '.problem{padding:.5rem .8rem;background:#fbeaea;border-left:4px solid #c33}',
  '.muted{color:#666}',
  'form.upload{margin-top:1rem;padding:1rem;border:1px dashed #aaa}',
].join('');

/** The Content-Security-Policy of these pages: no scripts, no frames, forms only to this app. */
const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Escapes text for HTML content and double-quoted attribute values. */
function escapeHtml(value) {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `3561` → `3.5 KB`; under 1 KB, the exact number of bytes. */
function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Document manager</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * The document list. `documents`: { fileId, name, size, version, lastModified (Date), locked,
 * actions (['edit', 'view'] the editor has for the type) }. `editor`: { url, problem } or
 * undefined when no editor is configured. `notice`: a line to show on top, or ''.
 */
function listPage({ documents, editor, notice, highlight, maxUploadBytes }) {
  const rows = documents.map((d) => {
    const links = [];
    if (d.actions.includes('edit')) links.push(`<a href="/documents/${encodeURIComponent(d.fileId)}/edit">Edit</a>`);
    if (d.actions.includes('view')) links.push(`<a href="/documents/${encodeURIComponent(d.fileId)}/view">View</a>`);
    const open = links.length > 0 ? links.join(' · ') : `<span class="muted">${noLinkReason(editor)}</span>`;
    return `<tr id="doc-${escapeHtml(d.fileId)}" data-file-id="${escapeHtml(d.fileId)}"${d.fileId === highlight ? ' class="current"' : ''}>
  <td class="name">${escapeHtml(d.name)}</td>
  <td class="size" data-bytes="${d.size}" title="${d.size} bytes">${escapeHtml(formatSize(d.size))}</td>
  <td class="version"><code>${escapeHtml(d.version)}</code></td>
  <td class="modified"><time datetime="${escapeHtml(d.lastModified.toISOString())}">${escapeHtml(formatTime(d.lastModified))}</time></td>
  <td class="status">${d.locked ? 'open in an editor' : ''}</td>
  <td class="open">${open}</td>
</tr>`;
  });
  const editorLine = editor
    ? `<p class="muted">Editor: <code>${escapeHtml(editor.url)}</code></p>${
        editor.problem ? `\n<p class="problem">The editor cannot be reached: ${escapeHtml(editor.problem)}</p>` : ''
      }`
    : '<p class="problem">No editor is configured: set <code>DISCOVERY_URL</code> to open documents (see the README).</p>';
  return layout(
    'Documents',
    `<h1>Documents</h1>
${editorLine}
${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}
<table>
<thead><tr><th>Name</th><th>Size</th><th>Version</th><th>Last modified</th><th>Status</th><th></th></tr></thead>
<tbody>
${rows.join('\n') || '<tr><td colspan="6" class="muted">No documents yet: upload one below.</td></tr>'}
</tbody>
</table>
<form class="upload" method="post" action="/documents" enctype="multipart/form-data">
  <label>Upload a document <input type="file" name="file" required></label>
  <button type="submit">Upload</button>
  <p class="muted">Up to ${escapeHtml(formatSize(maxUploadBytes))}. A name that is taken gets a number: <code>report (1).docx</code>.</p>
</form>`,
  );
}

/** Why a document has no Edit or View link. */
function noLinkReason(editor) {
  if (!editor) return 'no editor';
  return editor.problem ? 'the editor cannot be reached' : 'the editor cannot open this type';
}

/** An error page: a heading, a sentence, and the way back. */
function errorPage(title, message) {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="problem">${escapeHtml(message)}</p>
<p><a href="/">Back to the documents</a></p>`,
  );
}

function formatTime(date) {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

module.exports = { PAGE_CSP, escapeHtml, formatSize, listPage, errorPage };
