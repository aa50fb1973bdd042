//! The matrix's binary form, for the desktop's matrix cache (issue 19, "Opening a workspace at the
//! floor"): [`Matrix::to_bytes`] and [`Matrix::from_bytes`]. Reading it back costs a fraction of
//! computing it (no snapshot to parse, no key, no normalisation), so a workspace whose inputs did
//! not change reopens with one read.
//!
//! The form is private to one build: whoever stores it keys it by everything the matrix was
//! computed from, the program included, so it is never read by a build that might compute a
//! different matrix. It starts with a magic string and ends with the SHA-256 of what lies between;
//! [`Matrix::from_bytes`] checks both and every index and length it reads, and returns an error
//! (never panics) for bytes it did not write — a cache that does not read back is recomputed.
//!
//! Names (kinds, keys, attributes) are written once, in a table, and rows refer to them by
//! index, so the rows read back share one string per name (the computed matrix holds a few
//! copies of each: one per slot of its row phase).

use std::io::Write;
use std::sync::Arc;

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use super::shared::SharedSecret;
use super::types::{AmbiguousKey, Matrix, PairScore, PairStatus, RawValues, Row};
use crate::model::Category;
use crate::name::{text_addr, TextIds};
use crate::status::Status;

const MAGIC: &[u8; 8] = b"EPMTRX01";
/// Nesting deeper than this is refused on reading (the computed values are far shallower), so
/// a damaged file cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// The fewest bytes a row takes (three name indices, category, status, six counts).
const MIN_ROW_BYTES: usize = 3 * 4 + 2 + 6 * 8;
/// The most items reserved ahead for a count read from the input: a count is checked against
/// the bytes left, but an item in memory is larger than its least encoding, and nested values
/// would multiply that, so beyond this a vector grows as items are actually read.
const RESERVE_AHEAD: usize = 4096;

fn reserve(n: usize) -> usize {
    n.min(RESERVE_AHEAD)
}

/// Why bytes are not a matrix this build wrote.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a stored matrix: {0}")]
pub struct DecodeError(&'static str);

impl Matrix {
    /// The matrix in its binary form (see the module's documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_to(&mut out)
            .expect("writing to memory does not fail");
        out
    }

    /// Writes [`Matrix::to_bytes`] to `sink` a chunk at a time (a large matrix's form is
    /// hundreds of megabytes: it is not held in memory whole).
    pub fn encode_to(&self, sink: &mut dyn Write) -> std::io::Result<()> {
        self.encode_paced(sink, &|| {})
    }

    /// [`Matrix::encode_to`], calling `pace` now and then while the table of names is built,
    /// before anything is written (a writer that yields to other work waits there; see also
    /// the sink, which may wait before each piece).
    pub fn encode_paced(&self, sink: &mut dyn Write, pace: &dyn Fn()) -> std::io::Result<()> {
        const PACE_EVERY: usize = 1 << 14;
        let mut names = Names::default();
        for (i, r) in self.rows.iter().enumerate() {
            if i % PACE_EVERY == 0 {
                pace();
            }
            names.add(&r.kind);
            names.add(&r.key);
            names.add(&r.attribute);
        }
        for k in self.keys.iter().flatten() {
            names.add(k);
        }
        let mut w = Writer::new(sink)?;
        w.len(names.list().len());
        for n in names.list() {
            w.str(n);
        }
        w.strs(&self.labels);
        w.strs(&self.environments);
        w.u8(u8::from(self.change_view));
        w.len(self.rows.len());
        for r in &self.rows {
            w.row(r, &names);
            w.maybe_flush();
        }
        w.len(self.keys.len());
        for keys in &self.keys {
            w.len(keys.len());
            for k in keys {
                w.u32(names.index(k));
            }
        }
        w.len(self.explanations.len());
        for e in &self.explanations {
            w.strs(e);
        }
        w.len(self.ambiguous.len());
        for a in &self.ambiguous {
            w.str(&a.key);
            w.u64(a.column as u64);
            w.strs(&a.native_ids);
        }
        w.len(self.scores.len());
        for s in &self.scores {
            for n in [s.a, s.b, s.compared, s.parity] {
                w.u64(n as u64);
            }
        }
        w.len(self.shared_secrets.len());
        for s in &self.shared_secrets {
            for n in [s.row, s.a, s.b] {
                w.u64(n as u64);
            }
            w.opt_str(s.accepted_by.as_deref());
        }
        w.finish()
    }

    /// Reads back what [`Matrix::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Matrix, DecodeError> {
        if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(DecodeError("no matrix header"));
        }
        let (payload, sum) = bytes[MAGIC.len()..].split_at(bytes.len() - MAGIC.len() - 32);
        if Sha256::digest(payload).as_slice() != sum {
            return Err(DecodeError("checksum mismatch"));
        }
        let mut r = Reader { bytes: payload };
        let n = r.len()?;
        let mut names: Vec<Arc<str>> = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            names.push(Arc::from(r.str()?));
        }
        let labels = r.strs()?;
        let environments = r.strs()?;
        let change_view = r.bool()?;
        let n = r.len_of(MIN_ROW_BYTES)?;
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            rows.push(r.row(&names, labels.len())?);
        }
        let n = r.len()?;
        let mut keys = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            let m = r.len()?;
            let mut column = Vec::with_capacity(reserve(m));
            for _ in 0..m {
                column.push(r.name(&names)?);
            }
            keys.push(column);
        }
        let n = r.len()?;
        let mut explanations = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            explanations.push(r.strs()?);
        }
        let n = r.len()?;
        let mut ambiguous = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            ambiguous.push(AmbiguousKey {
                key: r.str()?.to_string(),
                column: r.usize()?,
                native_ids: r.strs()?,
            });
        }
        let n = r.len()?;
        let mut scores = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            scores.push(PairScore {
                a: r.usize()?,
                b: r.usize()?,
                compared: r.usize()?,
                parity: r.usize()?,
            });
        }
        let n = r.len()?;
        let mut shared_secrets = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            let (row, a, b) = (r.usize()?, r.usize()?, r.usize()?);
            if row >= rows.len() || a >= labels.len() || b >= labels.len() {
                return Err(DecodeError("shared secret out of range"));
            }
            shared_secrets.push(SharedSecret {
                row,
                a,
                b,
                accepted_by: r.opt_str()?,
            });
        }
        if !r.bytes.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        if environments.len() != labels.len()
            || keys.len() != labels.len()
            || explanations.len() != labels.len()
            || keys
                .iter()
                .zip(&explanations)
                .any(|(k, e)| k.len() != e.len())
            || scores
                .iter()
                .any(|s| s.a >= labels.len() || s.b >= labels.len())
            || ambiguous.iter().any(|a| a.column >= labels.len())
        {
            return Err(DecodeError("columns do not agree"));
        }
        Ok(Matrix {
            labels,
            environments,
            change_view,
            rows,
            keys,
            explanations,
            ambiguous,
            scores,
            shared_secrets,
        })
    }
}

/// The table of names, each written once. Rows share their names' text (interned kinds and
/// attributes, one string per key), so names are looked up by their text's address first
/// ([`TextIds`]): a large matrix's millions of lookups then hash an address, not the text.
#[derive(Default)]
struct Names<'a>(TextIds<'a>);

impl<'a> Names<'a> {
    fn add(&mut self, name: &'a Arc<str>) {
        self.0.id_at(text_addr(name), name);
    }

    /// The index of a name [`Names::add`] was given.
    fn index(&self, name: &Arc<str>) -> u32 {
        self.0
            .get_at(text_addr(name), name)
            .expect("every name was added")
    }

    fn list(&self) -> &[&'a str] {
        self.0.list()
    }
}

// Value tags
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const U64: u8 = 3;
const I64: u8 = 4;
const F64: u8 = 5;
const STRING: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;
/// A cell without a status (`Row::cells`), or a normalised value that is the raw one.
const NONE: u8 = 0xff;

/// Writes the form: the magic string, the payload (a chunk at a time, hashed as it goes), then
/// the payload's SHA-256. The first error of the sink is kept and returned by `finish`.
struct Writer<'w> {
    buf: Vec<u8>,
    sink: &'w mut dyn Write,
    sum: Sha256,
    failed: Option<std::io::Error>,
}

/// How much of the payload is buffered before it goes to the sink.
const CHUNK: usize = 1 << 20;

impl<'w> Writer<'w> {
    fn new(sink: &'w mut dyn Write) -> std::io::Result<Self> {
        sink.write_all(MAGIC)?;
        Ok(Writer {
            buf: Vec::with_capacity(CHUNK + 4096),
            sink,
            sum: Sha256::new(),
            failed: None,
        })
    }

    fn flush(&mut self) {
        self.sum.update(&self.buf);
        if self.failed.is_none() {
            self.failed = self.sink.write_all(&self.buf).err();
        }
        self.buf.clear();
    }

    fn maybe_flush(&mut self) {
        if self.buf.len() >= CHUNK {
            self.flush();
        }
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.flush();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let sum = std::mem::take(&mut self.sum).finalize();
        self.sink.write_all(&sum)
    }

    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn strs(&mut self, list: &[String]) {
        self.len(list.len());
        for s in list {
            self.str(s);
        }
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    fn status(&mut self, s: Status) {
        let i = Status::ALL.iter().position(|&x| x == s).expect("in ALL");
        self.u8(i as u8);
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.u8(NULL),
            Value::Bool(false) => self.u8(FALSE),
            Value::Bool(true) => self.u8(TRUE),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.u8(U64);
                    self.u64(u);
                } else if let Some(i) = n.as_i64() {
                    self.u8(I64);
                    self.u64(i as u64);
                } else {
                    self.u8(F64);
                    self.u64(n.as_f64().unwrap_or(f64::NAN).to_bits());
                }
            }
            Value::String(s) => {
                self.u8(STRING);
                self.str(s);
            }
            Value::Array(items) => {
                self.u8(ARRAY);
                self.len(items.len());
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.u8(OBJECT);
                self.len(map.len());
                for (k, v) in map {
                    self.str(k);
                    self.value(v);
                }
            }
        }
    }

    fn row(&mut self, r: &Row, names: &Names<'_>) {
        self.u32(names.index(&r.kind));
        self.u32(names.index(&r.key));
        self.u32(names.index(&r.attribute));
        let category = Category::ALL.iter().position(|&c| c == r.category);
        self.u8(category.expect("in ALL") as u8);
        self.status(r.status);
        self.len(r.normalized.len());
        for n in r.normalized.iter() {
            match n {
                Some(v) => self.value(v),
                None => self.u8(NONE),
            }
        }
        let (distinct, at) = r.raw.parts();
        self.len(distinct.len());
        for v in distinct {
            self.value(v);
        }
        self.len(at.len());
        for &d in at {
            self.u16(d);
        }
        self.len(r.cells.len());
        for c in &r.cells {
            match c {
                Some(s) => self.status(*s),
                None => self.u8(NONE),
            }
        }
        self.len(r.pairs.len());
        for p in &r.pairs {
            self.u16(p.a);
            self.u16(p.b);
            self.status(p.status);
        }
        self.strs(&r.exceptions);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

const SHORT: DecodeError = DecodeError("truncated");

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.bytes.len() {
            return Err(SHORT);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_le_bytes)
    }

    fn usize(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(self.u64()?).map_err(|_| DecodeError("number too large"))
    }

    /// A count of items that follow, each at least one byte long (a damaged count is refused
    /// when the input cannot hold that many; what is reserved for it is capped by `reserve`).
    fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.usize()?;
        if n > self.bytes.len() {
            return Err(SHORT);
        }
        Ok(n)
    }

    /// A count of items that follow, each at least `min` bytes long: reserving that many is
    /// bounded by the input.
    fn len_of(&mut self, min: usize) -> Result<usize, DecodeError> {
        let n = self.usize()?;
        if n.saturating_mul(min) > self.bytes.len() {
            return Err(SHORT);
        }
        Ok(n)
    }

    fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError("bad flag")),
        }
    }

    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.usize()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError("text is not UTF-8"))
    }

    fn strs(&mut self) -> Result<Vec<String>, DecodeError> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            out.push(self.str()?.to_string());
        }
        Ok(out)
    }

    fn opt_str(&mut self) -> Result<Option<String>, DecodeError> {
        Ok(if self.bool()? {
            Some(self.str()?.to_string())
        } else {
            None
        })
    }

    fn name(&mut self, names: &[Arc<str>]) -> Result<Arc<str>, DecodeError> {
        let i = self.u32()? as usize;
        names
            .get(i)
            .cloned()
            .ok_or(DecodeError("name out of range"))
    }

    fn status_of(i: u8) -> Result<Status, DecodeError> {
        Status::ALL
            .get(usize::from(i))
            .copied()
            .ok_or(DecodeError("bad status"))
    }

    fn status(&mut self) -> Result<Status, DecodeError> {
        Self::status_of(self.u8()?)
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let tag = self.u8()?;
        self.value_tagged(tag, depth)
    }

    fn value_tagged(&mut self, tag: u8, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("nested too deeply"));
        }
        Ok(match tag {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            U64 => Value::Number(self.u64()?.into()),
            I64 => Value::Number((self.u64()? as i64).into()),
            F64 => Value::Number(
                Number::from_f64(f64::from_bits(self.u64()?))
                    .ok_or(DecodeError("number is not finite"))?,
            ),
            STRING => Value::String(self.str()?.to_string()),
            ARRAY => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(reserve(n));
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let n = self.len()?;
                let mut map = Map::with_capacity(reserve(n));
                for _ in 0..n {
                    let k = self.str()?.to_string();
                    map.insert(k, self.value(depth + 1)?);
                }
                Value::Object(map)
            }
            _ => return Err(DecodeError("bad value tag")),
        })
    }

    fn row(&mut self, names: &[Arc<str>], columns: usize) -> Result<Row, DecodeError> {
        let kind = self.name(names)?;
        let key = self.name(names)?;
        let attribute = self.name(names)?;
        let category = *Category::ALL
            .get(usize::from(self.u8()?))
            .ok_or(DecodeError("bad category"))?;
        let status = self.status()?;
        let n = self.len()?;
        let mut normalized = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            normalized.push(match self.u8()? {
                NONE => None,
                tag => Some(self.value_tagged(tag, 0)?),
            });
        }
        let n = self.len()?;
        let mut distinct = Vec::with_capacity(reserve(n));
        for _ in 0..n {
            distinct.push(self.value(0)?);
        }
        let n = self.len()?;
        let mut at = SmallVec::with_capacity(reserve(n));
        for _ in 0..n {
            at.push(self.u16()?);
        }
        let raw = RawValues::from_parts(distinct.into_boxed_slice(), at)
            .ok_or(DecodeError("raw value out of range"))?;
        let n = self.len()?;
        let mut cells = SmallVec::with_capacity(reserve(n));
        for _ in 0..n {
            cells.push(match self.u8()? {
                NONE => None,
                s => Some(Self::status_of(s)?),
            });
        }
        let n = self.len()?;
        let mut pairs = SmallVec::with_capacity(reserve(n));
        for _ in 0..n {
            let (a, b) = (self.u16()?, self.u16()?);
            if usize::from(a) >= columns || usize::from(b) >= columns {
                return Err(DecodeError("pair out of range"));
            }
            pairs.push(PairStatus {
                a,
                b,
                status: self.status()?,
            });
        }
        let exceptions = self.strs()?;
        if raw.len() != columns
            || cells.len() != columns
            || !(normalized.is_empty() || normalized.len() == columns)
        {
            return Err(DecodeError("row does not have one value per column"));
        }
        Ok(Row {
            kind,
            key,
            attribute,
            category,
            status,
            normalized: normalized.into_boxed_slice(),
            raw,
            cells,
            pairs,
            exceptions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of `b` equals `a`'s.
    fn assert_same(a: &Matrix, b: &Matrix) {
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.environments, b.environments);
        assert_eq!(a.change_view, b.change_view);
        assert_eq!(a.rows.len(), b.rows.len());
        for (x, y) in a.rows.iter().zip(&b.rows) {
            assert_eq!(x, y);
            assert_eq!(x.normalized, y.normalized, "{} {}", x.key, x.attribute);
            // printed alike: -0.0 and 0.0, key order of objects
            for c in 0..x.raw.len() {
                assert_eq!(x.raw[c].to_string(), y.raw[c].to_string());
                assert_eq!(x.value(c).to_string(), y.value(c).to_string());
            }
        }
        assert_eq!(a.keys, b.keys);
        assert_eq!(a.explanations, b.explanations);
        assert_eq!(a.ambiguous, b.ambiguous);
        assert_eq!(a.scores, b.scores);
        assert_eq!(a.shared_secrets, b.shared_secrets);
    }

    fn sample() -> Matrix {
        let raw = |vs: Vec<Value>| RawValues::from(vs);
        let row = |key: &str, attribute: &str, values: Vec<Value>| Row {
            kind: Arc::from("ec2.instance"),
            key: Arc::from(key),
            attribute: Arc::from(attribute),
            category: Category::Size,
            status: Status::Drift,
            normalized: Box::new([]),
            raw: raw(values),
            cells: SmallVec::from_vec(vec![Some(Status::Same), Some(Status::Drift), None]),
            pairs: SmallVec::from_vec(vec![PairStatus {
                a: 0,
                b: 1,
                status: Status::Drift,
            }]),
            exceptions: vec!["exc-1".into()],
        };
        let mut odd = row(
            "ec2.instance/api",
            "tags.Owner",
            vec![
                serde_json::json!({"z": [1, -2, 2.5, -0.0], "a": null, "m": {"t": true}}),
                serde_json::json!("x"),
                Value::Null,
            ],
        );
        odd.normalized = vec![None, Some(serde_json::json!("{env}")), None].into_boxed_slice();
        let key: Arc<str> = Arc::from("ec2.instance/api");
        Matrix {
            labels: vec!["dev".into(), "staging".into(), "prod".into()],
            environments: vec!["dev".into(), "staging".into(), "prod".into()],
            change_view: false,
            rows: vec![
                row(
                    "ec2.instance/api",
                    "instance_type",
                    vec!["t3.small".into(), "t3.small".into(), "m5.large".into()],
                ),
                odd,
                row(
                    "ec2.instance/é—ü",
                    "x",
                    vec![u64::MAX.into(), i64::MIN.into(), 0.into()],
                ),
            ],
            keys: vec![vec![key.clone()], vec![key.clone()], vec![]],
            explanations: vec![vec!["Name tag".into()], vec!["Name tag".into()], vec![]],
            ambiguous: vec![AmbiguousKey {
                key: "ec2.instance/api".into(),
                column: 1,
                native_ids: vec!["i-1".into(), "i-2".into()],
            }],
            scores: vec![PairScore {
                a: 0,
                b: 2,
                compared: 3,
                parity: 1,
            }],
            shared_secrets: vec![SharedSecret {
                row: 1,
                a: 0,
                b: 2,
                accepted_by: Some("exc-1".into()),
            }],
        }
    }

    #[test]
    fn a_matrix_reads_back_as_it_was_written() {
        let m = sample();
        let back = Matrix::from_bytes(&m.to_bytes()).unwrap();
        assert_same(&m, &back);
        // rows read back share one string per name
        assert!(Arc::ptr_eq(&back.rows[0].kind, &back.rows[1].kind));
        assert!(Arc::ptr_eq(&back.rows[0].key, &back.keys[0][0]));
    }

    /// [`sample`] with its rows repeated 20,001 times: an encoded form of several chunks.
    fn large_sample() -> Matrix {
        let mut m = sample();
        let rows = m.rows.clone();
        for _ in 0..20_000 {
            m.rows.extend(rows.iter().cloned());
        }
        m
    }

    #[test]
    fn a_form_larger_than_a_chunk_streams_and_reads_back_and_a_failing_sink_is_an_error() {
        let m = large_sample();
        let bytes = m.to_bytes();
        assert!(bytes.len() > 2 * CHUNK, "{} bytes", bytes.len());
        assert_same(&m, &Matrix::from_bytes(&bytes).unwrap());

        /// Accepts `left` bytes, then fails.
        struct Full {
            left: usize,
        }
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.left == 0 {
                    return Err(std::io::Error::other("disk full"));
                }
                let n = buf.len().min(self.left);
                self.left -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for left in [0, 4, CHUNK + 7, bytes.len() - 1] {
            let err = m.encode_to(&mut Full { left }).unwrap_err();
            assert_eq!(err.to_string(), "disk full", "after {left} bytes");
        }
        assert!(m.encode_to(&mut Full { left: bytes.len() }).is_ok());
    }

    #[test]
    fn a_paced_encoding_paces_before_it_writes_and_writes_the_same_bytes() {
        let m = large_sample();
        /// Counts what it is given, in a cell the pace reads.
        struct Counting<'a> {
            bytes: Vec<u8>,
            written: &'a std::cell::Cell<usize>,
        }
        impl Write for Counting<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.bytes.extend_from_slice(buf);
                self.written.set(self.bytes.len());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let written = std::cell::Cell::new(0);
        let paced_before_writing = std::cell::Cell::new(0);
        let mut sink = Counting {
            bytes: Vec::new(),
            written: &written,
        };
        m.encode_paced(&mut sink, &|| {
            if written.get() == 0 {
                paced_before_writing.set(paced_before_writing.get() + 1);
            }
        })
        .unwrap();
        // 60,003 rows: paced at rows 0, 16,384, 32,768 and 49,152 while names are gathered
        assert_eq!(paced_before_writing.get(), 4);
        assert_eq!(sink.bytes, m.to_bytes());
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic_or_another_matrix() {
        let bytes = sample().to_bytes();
        // every truncation
        for n in 0..bytes.len() {
            assert!(Matrix::from_bytes(&bytes[..n]).is_err(), "truncated at {n}");
        }
        // every single flipped bit is caught by the checksum (or the header)
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(Matrix::from_bytes(&b).is_err(), "byte {i} flipped");
        }
        assert_eq!(
            Matrix::from_bytes(b"not a matrix at all, not at all").unwrap_err(),
            DecodeError("no matrix header")
        );
    }

    #[test]
    fn a_row_count_the_input_cannot_hold_is_refused_before_anything_is_reserved() {
        let sealed = |p: &[u8]| {
            let mut out = MAGIC.to_vec();
            out.extend_from_slice(p);
            out.extend_from_slice(&Sha256::digest(p));
            out
        };
        // no names, no labels, no environments, not a change view, then a row count
        let mut p = Vec::new();
        for _ in 0..3 {
            p.extend_from_slice(&0u64.to_le_bytes());
        }
        p.push(0);
        let rest = 10 * MIN_ROW_BYTES;
        for (count, refused) in [(u64::MAX, true), (11, true), (10, false)] {
            let mut q = p.clone();
            q.extend_from_slice(&count.to_le_bytes());
            q.extend_from_slice(&vec![0; rest]);
            let err = Matrix::from_bytes(&sealed(&q)).unwrap_err();
            assert_eq!(err == SHORT, refused, "{count} rows: {err}");
        }
    }

    #[test]
    fn damaged_payloads_behind_a_valid_checksum_are_refused() {
        // what the checksum cannot catch: bytes written by something else with a valid sum
        let bytes = sample().to_bytes();
        let payload = &bytes[MAGIC.len()..bytes.len() - 32];
        let sealed = |p: &[u8]| {
            let mut out = MAGIC.to_vec();
            out.extend_from_slice(p);
            out.extend_from_slice(&Sha256::digest(p));
            out
        };
        assert!(Matrix::from_bytes(&sealed(payload)).is_ok());
        for i in 0..payload.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut p = payload.to_vec();
                p[i] ^= flip;
                // an error or a matrix; never a panic
                let _ = Matrix::from_bytes(&sealed(&p));
            }
        }
        let mut longer = payload.to_vec();
        longer.push(0);
        assert_eq!(
            Matrix::from_bytes(&sealed(&longer)).unwrap_err(),
            DecodeError("trailing bytes")
        );
    }
}
