//! The backend boundary: one connection type over SQLite (a file, the default) and PostgreSQL (a
//! team database), with the few operations the store needs — execute, query, batch — taking
//! the same arguments and returning the same rows on both. The store's SQL is written once, in
//! the dialect both accept (`?1` placeholders, rewritten to `$1` for PostgreSQL; `ON CONFLICT`;
//! `RETURNING`); only opening, validation, migrations and the write lock differ per backend.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;

use postgres::types::{ToSql as PgToSql, Type};

/// One argument of a statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    OptText(Option<&'a str>),
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(i) => rusqlite::ToSql::to_sql(i),
            Arg::Text(t) => rusqlite::ToSql::to_sql(t),
            Arg::OptText(t) => rusqlite::ToSql::to_sql(t),
        }
    }
}

impl PgToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Arg::Int(i) => PgToSql::to_sql(i, ty, out),
            Arg::Text(t) => PgToSql::to_sql(t, ty, out),
            Arg::OptText(t) => PgToSql::to_sql(t, ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as PgToSql>::accepts(ty) || <&str as PgToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// One result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(Vec<Value>);

impl Row {
    pub(crate) fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            other => Err(DbError::Type(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<String, DbError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            other => Err(DbError::Type(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub(crate) fn take_text(&mut self, i: usize) -> Result<String, DbError> {
        match self.0.get_mut(i) {
            Some(Value::Text(v)) => Ok(std::mem::take(v)),
            other => Err(DbError::Type(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// An error of either backend.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
    /// A column did not hold the type the store wrote there.
    Type(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        DbError::Postgres(e)
    }
}

/// A PostgreSQL connection with its prepared statements.
pub(crate) struct PgConn {
    pub(crate) client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Rows changed by this connection (SQLite's `total_changes`).
    changes: Cell<u64>,
}

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> Self {
        PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            changes: Cell::new(0),
        }
    }

    fn statement(&self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.borrow_mut().prepare(&pg_sql(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// The store's connection.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conn::Sqlite(c) => f.debug_tuple("Sqlite").field(c).finish(),
            Conn::Postgres(_) => f.write_str("Postgres"),
        }
    }
}

/// `?1` placeholders as PostgreSQL's `$1` (the store's SQL holds no `?` in literals).
pub(crate) fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn PgToSql + Sync)> {
    args.iter().map(|a| a as &(dyn PgToSql + Sync)).collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row, DbError> {
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let ty = col.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into()))
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

fn sqlite_row(row: &rusqlite::Row<'_>, n: usize) -> Result<Row, DbError> {
    use rusqlite::types::ValueRef;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Text(t) => Value::Text(
                std::str::from_utf8(t)
                    .map_err(|e| DbError::Type(format!("column {i}: {e}")))?
                    .to_owned(),
            ),
            ValueRef::Real(v) => {
                return Err(DbError::Type(format!(
                    "column {i}: expected an integer or text, found the number {v}"
                )))
            }
            ValueRef::Blob(_) => {
                return Err(DbError::Type(format!(
                    "column {i}: expected an integer or text, found a blob"
                )))
            }
        });
    }
    Ok(Row(out))
}

impl Conn {
    /// Runs one statement; returns the number of rows it changed.
    pub(crate) fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(args.iter()))? as u64)
            }
            Conn::Postgres(pg) => {
                let stmt = pg.statement(sql)?;
                let n = pg.client.borrow_mut().execute(&stmt, &pg_args(args))?;
                pg.changes.set(pg.changes.get() + n);
                Ok(n)
            }
        }
    }

    /// Runs one query; returns all its rows.
    pub(crate) fn query(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let n = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(sqlite_row(row, n)?);
                }
                Ok(out)
            }
            Conn::Postgres(pg) => {
                let stmt = pg.statement(sql)?;
                let rows = pg.client.borrow_mut().query(&stmt, &pg_args(args))?;
                // `INSERT … RETURNING` changes rows too
                if !sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
                    pg.changes.set(pg.changes.get() + rows.len() as u64);
                }
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn query_opt(&self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The one row of a query.
    pub(crate) fn query_one(&self, sql: &str, args: &[Arg<'_>]) -> Result<Row, DbError> {
        self.query_opt(sql, args)?
            .ok_or_else(|| DbError::Type("the query returned no row".into()))
    }

    /// Runs statements without arguments (transaction control, migrations).
    pub(crate) fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(pg) => Ok(pg.client.borrow_mut().batch_execute(sql)?),
        }
    }

    /// Rows changed by this connection so far.
    pub(crate) fn total_changes(&self) -> u64 {
        match self {
            Conn::Sqlite(c) => c.total_changes(),
            Conn::Postgres(pg) => pg.changes.get(),
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }
}
