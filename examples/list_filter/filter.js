// List filter helper (Node): the same contract as filter.py.
"use strict";
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (text += chunk));
process.stdin.on("end", () => {
  const query = JSON.parse(text);
  const found = query.items.filter((item) => (item.tags || []).includes(query.tag));
  if (query.sort) found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const item of found) process.stdout.write(JSON.stringify(item) + "\n");
});
