//! Smithy RPC v2 CBOR in front of moto: the AWS SDK for Rust reads CloudWatch only over RPC v2
//! CBOR (`POST /service/<Service>/operation/<Op>`, `smithy-protocol: rpc-v2-cbor`), which moto
//! does not serve (404), while moto does serve the same operations over AWS JSON 1.0. The
//! recording proxy therefore turns such a request into its JSON 1.0 twin (`POST /`,
//! `X-Amz-Target: <Service>.<Op>`) and the JSON answer back into CBOR, timestamps (members named
//! `…Timestamp`, epoch seconds in JSON) as CBOR tag 1. A small codec of its own: maps, arrays,
//! text, byte strings, integers, floats, booleans, null.

use serde_json::{Map, Number, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `(service, operation)` when `head` is an RPC v2 CBOR request.
pub fn cbor_operation(head: &str) -> Option<(String, String)> {
    let mut lines = head.lines();
    let request_line = lines.next()?;
    let is_cbor = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("smithy-protocol") && v.trim() == "rpc-v2-cbor"
        })
    });
    if !is_cbor {
        return None;
    }
    let path = request_line.split_whitespace().nth(1)?;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["service", service, "operation", op] => Some((service.to_string(), op.to_string())),
        _ => None,
    }
}

/// Sends the request to moto as AWS JSON 1.0 and relays the answer as RPC v2 CBOR (the caller
/// closes the connection); returns what it sent the client.
pub async fn forward(
    client: &mut TcpStream,
    upstream: u16,
    head: &str,
    body: &[u8],
    (service, op): (String, String),
) -> std::io::Result<Vec<u8>> {
    let json = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        decode(body).unwrap_or_else(|| Value::Object(Map::new()))
    };
    let json = json.to_string();
    let mut request = String::from("POST / HTTP/1.1\r\n");
    for line in head.trim_end().lines().skip(1) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "connection" | "content-length" | "content-type" | "smithy-protocol" | "accept"
        ) {
            request.push_str(line);
            request.push_str("\r\n");
        }
    }
    request.push_str(&format!(
        "X-Amz-Target: {service}.{op}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        json.len()
    ));
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).await?;
    up.write_all(request.as_bytes()).await?;
    up.write_all(json.as_bytes()).await?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await?;
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(Vec::new());
    };
    let resp_head = String::from_utf8_lossy(&response[..end]).to_string();
    let resp_body = &response[end + 4..];
    let status_line = resp_head
        .lines()
        .next()
        .unwrap_or("HTTP/1.1 502 Bad Gateway");
    let out = match serde_json::from_slice::<Value>(resp_body) {
        Ok(value) => {
            let mut cbor = Vec::new();
            encode(&value, false, &mut cbor);
            let head = format!(
                "{status_line}\r\nContent-Type: application/cbor\r\nsmithy-protocol: rpc-v2-cbor\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                cbor.len()
            );
            let mut out = head.into_bytes();
            out.extend_from_slice(&cbor);
            out
        }
        // Not JSON (moto's HTML error pages): relayed as they are.
        Err(_) => response.clone(),
    };
    client.write_all(&out).await?;
    Ok(out)
}

fn head_of(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n <= u8::MAX as u64 {
        out.extend_from_slice(&[m | 24, n as u8]);
    } else if n <= u16::MAX as u64 {
        out.push(m | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= u32::MAX as u64 {
        out.push(m | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// JSON → CBOR; numbers under a `…Timestamp` member become tag 1 (epoch seconds).
pub fn encode(value: &Value, timestamp: bool, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Number(n) => {
            if timestamp {
                out.push(0xc1); // tag 1
            }
            if let (Some(i), false) = (n.as_i64(), timestamp) {
                if i >= 0 {
                    head_of(0, i as u64, out);
                } else {
                    head_of(1, (-1 - i) as u64, out);
                }
            } else {
                out.push(0xfb);
                out.extend_from_slice(&n.as_f64().unwrap_or_default().to_be_bytes());
            }
        }
        Value::String(s) => {
            head_of(3, s.len() as u64, out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            head_of(4, items.len() as u64, out);
            for item in items {
                encode(item, timestamp, out);
            }
        }
        Value::Object(map) => {
            head_of(5, map.len() as u64, out);
            for (k, v) in map {
                encode(&Value::String(k.clone()), false, out);
                encode(
                    v,
                    k.ends_with("Timestamp") || k.ends_with("Timestamps"),
                    out,
                );
            }
        }
    }
}

/// CBOR → JSON (byte strings as arrays of numbers, tags dropped).
pub fn decode(bytes: &[u8]) -> Option<Value> {
    let mut pos = 0;
    let value = decode_at(bytes, &mut pos)?;
    (pos == bytes.len()).then_some(value)
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Option<&'a [u8]> {
    let slice = bytes.get(*pos..pos.checked_add(n)?)?;
    *pos += n;
    Some(slice)
}

fn argument(bytes: &[u8], pos: &mut usize, info: u8) -> Option<Option<u64>> {
    Some(Some(match info {
        0..=23 => info as u64,
        24 => take(bytes, pos, 1)?[0] as u64,
        25 => u16::from_be_bytes(take(bytes, pos, 2)?.try_into().ok()?) as u64,
        26 => u32::from_be_bytes(take(bytes, pos, 4)?.try_into().ok()?) as u64,
        27 => u64::from_be_bytes(take(bytes, pos, 8)?.try_into().ok()?),
        31 => return Some(None), // indefinite length
        _ => return None,
    }))
}

fn decode_at(bytes: &[u8], pos: &mut usize) -> Option<Value> {
    let initial = *take(bytes, pos, 1)?.first()?;
    let (major, info) = (initial >> 5, initial & 0x1f);
    if major == 7 {
        return Some(match info {
            20 => Value::Bool(false),
            21 => Value::Bool(true),
            22 | 23 => Value::Null,
            25 => {
                let h = u16::from_be_bytes(take(bytes, pos, 2)?.try_into().ok()?);
                Value::Number(Number::from_f64(half_to_f64(h))?)
            }
            26 => {
                let f = f32::from_be_bytes(take(bytes, pos, 4)?.try_into().ok()?);
                Value::Number(Number::from_f64(f as f64)?)
            }
            27 => {
                let f = f64::from_be_bytes(take(bytes, pos, 8)?.try_into().ok()?);
                Value::Number(Number::from_f64(f)?)
            }
            _ => return None,
        });
    }
    let arg = argument(bytes, pos, info)?;
    let is_break = |bytes: &[u8], pos: &mut usize| {
        if bytes.get(*pos) == Some(&0xff) {
            *pos += 1;
            true
        } else {
            false
        }
    };
    match major {
        0 => Some(Value::from(arg?)),
        1 => Some(Value::from(-1 - i64::try_from(arg?).ok()?)),
        2 | 3 => {
            let mut data = Vec::new();
            match arg {
                Some(n) => data.extend_from_slice(take(bytes, pos, usize::try_from(n).ok()?)?),
                None => {
                    while !is_break(bytes, pos) {
                        let chunk = decode_at(bytes, pos)?;
                        match chunk {
                            Value::String(s) => data.extend_from_slice(s.as_bytes()),
                            Value::Array(b) => {
                                data.extend(b.iter().filter_map(|v| v.as_u64().map(|x| x as u8)))
                            }
                            _ => return None,
                        }
                    }
                }
            }
            if major == 3 {
                Some(Value::String(String::from_utf8(data).ok()?))
            } else {
                Some(Value::Array(data.into_iter().map(Value::from).collect()))
            }
        }
        4 => {
            let mut items = Vec::new();
            match arg {
                Some(n) => {
                    for _ in 0..n {
                        items.push(decode_at(bytes, pos)?);
                    }
                }
                None => {
                    while !is_break(bytes, pos) {
                        items.push(decode_at(bytes, pos)?);
                    }
                }
            }
            Some(Value::Array(items))
        }
        5 => {
            let mut map = Map::new();
            let mut entry = |bytes: &[u8], pos: &mut usize| -> Option<()> {
                let key = match decode_at(bytes, pos)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                map.insert(key, decode_at(bytes, pos)?);
                Some(())
            };
            match arg {
                Some(n) => {
                    for _ in 0..n {
                        entry(bytes, pos)?;
                    }
                }
                None => {
                    while !is_break(bytes, pos) {
                        entry(bytes, pos)?;
                    }
                }
            }
            Some(Value::Object(map))
        }
        6 => decode_at(bytes, pos), // tags (timestamps): the tagged value itself
        _ => None,
    }
}

fn half_to_f64(h: u16) -> f64 {
    let exp = ((h >> 10) & 0x1f) as i32;
    let mant = (h & 0x3ff) as f64;
    let value = match exp {
        0 => mant * 2f64.powi(-24),
        31 => {
            if mant == 0.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
        _ => (1.0 + mant / 1024.0) * 2f64.powi(exp - 15),
    };
    if h & 0x8000 != 0 {
        -value
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_json_shapes() {
        let v = json!({"MaxRecords": 100, "Names": ["a", "b"], "Neg": -5, "F": 0.5,
                       "T": true, "N": null, "Long": "x".repeat(300)});
        let mut out = Vec::new();
        encode(&v, false, &mut out);
        assert_eq!(decode(&out), Some(v));
        let mut ts = Vec::new();
        encode(&json!({"StateUpdatedTimestamp": 1.5}), false, &mut ts);
        assert!(ts.contains(&0xc1), "{ts:?}");
        assert_eq!(decode(&ts), Some(json!({"StateUpdatedTimestamp": 1.5})));
        assert!(cbor_operation(
            "POST /service/GraniteServiceVersion20100801/operation/DescribeAlarms HTTP/1.1\r\nsmithy-protocol: rpc-v2-cbor\r\n"
        )
        .is_some());
        assert!(cbor_operation("POST / HTTP/1.1\r\nX-Amz-Target: a.b\r\n").is_none());
    }
}
