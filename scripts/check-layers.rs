//! Checks the import structure of src/: no file imports a module of a higher layer
//! (docs/ARCHITECTURE.md), no source files import each other in a circle, and no top-level
//! modules do. Built and run by `scripts/check-layers`; plain Rust, no crates, so it needs
//! nothing the toolchain does not have.
//!
//! What counts as an import of file B by file A: a `use` of an item defined in B, or a path
//! in A's code (`crate::x::Y`, `super::Y`, `child::Y`) naming an item defined in B or the
//! module B is. Paths are followed through `pub use` re-exports to the file that defines the
//! item, so a module's facade (a mod.rs that declares and re-exports) is not a dependency
//! of the files behind it. `mod x;` declarations are not imports. Test code (`tests.rs`
//! files, `#[cfg(test)] mod … { … }` blocks) is left out: it may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The layer of each top-level module: a file may import modules of its own layer or below.
/// Layer 0 holds the foundations any layer may use (they import only each other).
const LAYERS: &[(u8, &[&str])] = &[
    (
        0,
        &["problem", "exit_status", "atomic_file", "paths", "contain", "interrupt", "timecode", "shipped"],
    ),
    (1, &["dsp"]),
    (
        2,
        &["decode", "encode", "resample", "fr", "db", "eq", "fit", "playlist", "preset", "material"],
    ),
    (3, &["engine", "session", "render", "ab"]),
    (4, &["cli", "main"]),
];

/// A module path from the crate root, e.g. ["engine", "callback"].
type ModPath = Vec<String>;

/// One source file.
struct File {
    path: PathBuf,
    module: ModPath,
    /// Names of items defined at the file's top level.
    defines: BTreeSet<String>,
    /// Names re-exported with `pub use`: name → absolute path of what it names.
    reexports: BTreeMap<String, ModPath>,
    /// Absolute paths this file names (from `use` and from paths in code), with the line.
    names: Vec<(ModPath, usize)>,
}

fn main() -> ExitCode {
    let root = std::env::args().nth(1).unwrap_or_else(|| "src".into());
    let root = PathBuf::from(root);
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p, text)
        })
        .collect();
    let modules: BTreeMap<ModPath, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (module_of(&root, p), i))
        .collect();
    let files: Vec<File> = sources
        .iter()
        .map(|(p, text)| parse(&root, p, text, &modules))
        .collect();

    let mut problems = Vec::new();
    // File → (file it imports, line of the first such name).
    let mut edges: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        for (name, line) in &file.names {
            let Some(target) = resolve(name, &files, &modules, 0) else {
                continue;
            };
            if target == i {
                continue;
            }
            edges.entry(i).or_default().entry(target).or_insert(*line);
            let (from, to) = (layer(&file.module), layer(&files[target].module));
            if let (Some(from), Some(to)) = (from, to)
                && to > from
            {
                problems.push(format!(
                    "{}:{line}: layer {from} imports {} (layer {to}): {}",
                    file.path.display(),
                    files[target].path.display(),
                    name.join("::")
                ));
            }
        }
    }
    for component in cycles(files.len(), &edges) {
        let mut text = String::from("these files import each other in a circle:");
        for &a in &component {
            for (&b, line) in &edges[&a] {
                if component.contains(&b) {
                    text.push_str(&format!(
                        "\n  {}:{line} → {}",
                        files[a].path.display(),
                        files[b].path.display()
                    ));
                }
            }
        }
        problems.push(text);
    }
    // The same over top-level modules.
    let tops: Vec<String> = files
        .iter()
        .map(|f| f.module.first().cloned().unwrap_or_default())
        .collect();
    let names: Vec<String> = tops.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let index = |m: &String| names.iter().position(|n| n == m).unwrap_or(0);
    let mut top_edges: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
    let mut witness: BTreeMap<(usize, usize), (usize, usize, usize)> = BTreeMap::new();
    for (&a, targets) in &edges {
        for (&b, &line) in targets {
            let (ta, tb) = (index(&tops[a]), index(&tops[b]));
            if ta != tb {
                top_edges.entry(ta).or_default().insert(tb, line);
                witness.entry((ta, tb)).or_insert((a, b, line));
            }
        }
    }
    for component in cycles(names.len(), &top_edges) {
        let mut text = String::from("these modules import each other in a circle:");
        for &a in &component {
            for &b in top_edges[&a].keys() {
                if component.contains(&b) {
                    let (fa, fb, line) = witness[&(a, b)];
                    text.push_str(&format!(
                        "\n  {} → {} ({}:{line} → {})",
                        names[a],
                        names[b],
                        files[fa].path.display(),
                        files[fb].path.display()
                    ));
                }
            }
        }
        problems.push(text);
    }

    for file in &files {
        if let Some(top) = file.module.first()
            && layer(&file.module).is_none()
        {
            problems.push(format!(
                "{}: module `{top}` has no layer: add it to LAYERS in scripts/check-layers.rs \
                 and to docs/ARCHITECTURE.md",
                file.path.display()
            ));
        }
    }
    if problems.is_empty() {
        let count: usize = edges.values().map(BTreeMap::len).sum();
        println!(
            "check-layers: {} files, {count} imports between them: no upward import, no cycle",
            files.len()
        );
        ExitCode::SUCCESS
    } else {
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("check-layers: {} problem(s)", problems.len());
        ExitCode::FAILURE
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file is: src/lib.rs → [], src/main.rs → ["main"], src/a/mod.rs → ["a"],
/// src/a/b.rs → ["a", "b"].
fn module_of(root: &Path, path: &Path) -> ModPath {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn layer(module: &ModPath) -> Option<u8> {
    let top = module.first()?;
    LAYERS
        .iter()
        .find(|(_, names)| names.contains(&top.as_str()))
        .map(|(layer, _)| *layer)
}

/// Strongly connected components with more than one member (Tarjan).
fn cycles(n: usize, edges: &BTreeMap<usize, BTreeMap<usize, usize>>) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<usize, BTreeMap<usize, usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let targets: Vec<usize> = self
                .edges
                .get(&v)
                .map(|t| t.keys().copied().collect())
                .unwrap_or_default();
            for w in targets {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.out
}

/// The file that defines what `path` names, following re-exports.
fn resolve(
    path: &ModPath,
    files: &[File],
    modules: &BTreeMap<ModPath, usize>,
    depth: usize,
) -> Option<usize> {
    if depth > 16 {
        return None;
    }
    // The longest prefix that is a module with a file.
    let (len, &file) = (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).map(|f| (n, f)))?;
    let Some(item) = path.get(len) else {
        return Some(file);
    };
    if files[file].defines.contains(item) {
        return Some(file);
    }
    if let Some(target) = files[file].reexports.get(item) {
        let mut full = target.clone();
        full.extend(path[len + 1..].iter().cloned());
        return resolve(&full, files, modules, depth + 1).or(Some(file));
    }
    Some(file)
}

/// Reads one file: what it defines, re-exports and names.
fn parse(root: &Path, path: &Path, text: &str, modules: &BTreeMap<ModPath, usize>) -> File {
    let module = module_of(root, path);
    let is_root_file = matches!(
        path.strip_prefix(root).ok().and_then(|p| p.to_str()),
        Some("lib.rs" | "main.rs")
    );
    // The module paths in a file are relative to: a mod.rs or lib.rs is its module; a.rs too.
    let here = module.clone();
    let code = strip_tests(&strip(text));
    let mut file = File {
        path: path.to_path_buf(),
        module: module.clone(),
        defines: BTreeSet::new(),
        reexports: BTreeMap::new(),
        names: Vec::new(),
    };
    let bytes = code.as_bytes();
    let line_at = |pos: usize| code[..pos].matches('\n').count() + 1;
    let mut depth = 0usize;
    let mut i = 0;
    let mut uses: Vec<(usize, usize, bool)> = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'{' {
            depth += 1;
        } else if c == b'}' {
            depth = depth.saturating_sub(1);
        }
        if is_ident_start(c) && (i == 0 || !is_ident(bytes[i - 1])) {
            let end = ident_end(bytes, i);
            let word = &code[i..end];
            if word == "use" {
                let stop = code[end..].find(';').map_or(bytes.len(), |s| end + s);
                let before = code[..i].trim_end();
                let public = before.ends_with("pub")
                    || (before.ends_with(')')
                        && before
                            .rfind('(')
                            .is_some_and(|open| before[..open].trim_end().ends_with("pub")));
                uses.push((end, stop, public && depth == 0));
                i = stop;
                continue;
            }
            if depth == 0
                && matches!(
                    word,
                    "struct" | "enum" | "fn" | "trait" | "type" | "const" | "static" | "union"
                )
            {
                let name_start = skip_space(bytes, end);
                let name_end = ident_end(bytes, name_start);
                if name_end > name_start {
                    file.defines.insert(code[name_start..name_end].to_string());
                }
            }
            i = end;
            continue;
        }
        i += 1;
    }
    let children: BTreeSet<String> = modules
        .keys()
        .filter(|m| m.len() == here.len() + 1 && m.starts_with(&here))
        .map(|m| m[here.len()].clone())
        .collect();
    let absolute = |segments: &[String]| -> Option<ModPath> {
        let first = segments.first()?;
        let mut out: ModPath;
        let rest: &[String];
        if first == "crate" || (first == "iemlab" && module == ["main"]) {
            out = Vec::new();
            rest = &segments[1..];
        } else if first == "super" {
            out = here.clone();
            let mut n = 0;
            while segments.get(n).is_some_and(|s| s == "super") {
                out.pop();
                n += 1;
            }
            rest = &segments[n..];
        } else if first == "self" {
            out = here.clone();
            rest = &segments[1..];
        } else if children.contains(first) || (is_root_file && modules.contains_key(&vec![first.clone()])) {
            out = here.clone();
            rest = segments;
        } else {
            return None;
        }
        out.extend(rest.iter().filter(|s| *s != "self").cloned());
        Some(out)
    };
    // Uses.
    let mut in_uses = vec![false; bytes.len()];
    for &(from, to, public) in &uses {
        for flag in &mut in_uses[from..to] {
            *flag = true;
        }
        let line = line_at(from);
        for (segments, alias) in expand(&code[from..to]) {
            let Some(abs) = absolute(&segments) else {
                continue;
            };
            if public && let Some(name) = alias.or_else(|| segments.last().cloned()) {
                if name != "*" {
                    file.reexports.insert(name, abs.clone());
                }
                if segments.last().is_some_and(|s| s == "*") {
                    let mut module = abs.clone();
                    module.pop();
                    file.names.push((module, line));
                }
                // A re-export is not a use: the facade only passes the name on.
                continue;
            }
            let mut abs = abs;
            if abs.last().is_some_and(|s| s == "*") {
                abs.pop();
            }
            file.names.push((abs, line));
        }
    }
    // Paths in code.
    let mut i = 0;
    while i < bytes.len() {
        if in_uses[i] || !is_ident_start(bytes[i]) || (i > 0 && (is_ident(bytes[i - 1]) || bytes[i - 1] == b':')) {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        let mut j = i;
        loop {
            let end = ident_end(bytes, j);
            segments.push(code[j..end].to_string());
            if code[end..].starts_with("::") && bytes.get(end + 2).is_some_and(|&c| is_ident_start(c)) {
                j = end + 2;
            } else {
                j = end;
                break;
            }
        }
        if segments.len() > 1
            && let Some(abs) = absolute(&segments)
        {
            file.names.push((abs, line_at(i)));
        }
        i = j.max(i + 1);
    }
    file
}

/// Expands a use tree (`a::{b, c::{d as e, self}, *}`) into paths and their aliases.
fn expand(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(s: &str, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
        let s = s.trim();
        if let Some(open) = s.find('{') {
            let base: Vec<String> = s[..open]
                .split("::")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            let mut full = prefix.to_vec();
            full.extend(base);
            let inner = &s[open + 1..s.rfind('}').unwrap_or(s.len())];
            let mut depth = 0;
            let mut start = 0;
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        walk(&inner[start..k], &full, out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            walk(&inner[start..], &full, out);
            return;
        }
        if s.is_empty() {
            return;
        }
        let (path, alias) = match s.split_once(" as ") {
            Some((p, a)) => (p.trim(), Some(a.trim().to_string())),
            None => (s, None),
        };
        let mut full = prefix.to_vec();
        full.extend(path.split("::").map(str::trim).filter(|p| !p.is_empty()).map(String::from));
        out.push((full, alias.filter(|a| a != "_")));
    }
    let mut out = Vec::new();
    walk(tree, &[], &mut out);
    out
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ident(bytes[i]) {
        i += 1;
    }
    i
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The text with comments, strings and char literals blanked (newlines kept, so that
/// lines still count).
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, s: &[u8]| {
        out.extend(s.iter().map(|&c| if c == b'\n' { b'\n' } else { b' ' }))
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p);
            blank(&mut out, &b[i..end]);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &b[i..j]);
            i = j;
        } else if (b[i] == b'r' || b[i] == b'b')
            && (i == 0 || !is_ident(b[i - 1]))
            && raw_string_end(b, i).is_some()
        {
            let end = raw_string_end(b, i).unwrap_or(b.len());
            blank(&mut out, &b[i..end]);
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = (j + 1).min(b.len());
            blank(&mut out, &b[i..end]);
            i = end;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|p| i + 2 + p + 1)
            } else {
                let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 2 + ch_len)
            };
            match end {
                Some(end) => {
                    blank(&mut out, &b[i..end]);
                    i = end;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// End of a raw string (r"..", r#".."#, br#".."#) starting at `i`, if one starts there.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if b[j] == b'b' {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    b[j..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map(|p| j + p + close.len())
}

/// The code with `#[cfg(test)]` items blanked (a `mod … { … }` block or a single item).
fn strip_tests(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|p| from + p) {
        let after = at + "#[cfg(test)]".len();
        let rest = &out[after..];
        let semicolon = rest.find(';');
        let brace = rest.find('{');
        let end = match (semicolon, brace) {
            (Some(s), Some(b)) if s < b => after + s + 1,
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, c) in out[after + b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = after + b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => after + s + 1,
            (None, None) => out.len(),
        };
        let blanked: String = out[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
        from = at + blanked.len();
    }
    out
}
