//! The check every edit passes before it is returned: the new text, read by
//! serde_yaml (the build's parser), must equal the old text's value with
//! the one change applied to it, key order included. A splice that would
//! read otherwise (a YAML construct the splicer misjudged) is refused.

use super::{EditError, Key, NewValue, Op};
use crate::source::translate_yaml_error;
use serde_yaml::{Mapping, Value};

/// serde_yaml's reading of `text`, its syntax errors said in Chinese.
pub(super) fn parse(text: &str) -> Result<Value, EditError> {
    serde_yaml::from_str(text).map_err(|e| {
        let raw = e.to_string();
        if raw.contains("more than one document") {
            return EditError::MultipleDocuments;
        }
        let (message, hint) = translate_yaml_error(&raw);
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        EditError::Syntax {
            line,
            column,
            message,
            hint,
        }
    })
}

pub(super) fn check(before: &Value, op: &Op, after_text: &str) -> Result<(), EditError> {
    let internal = |detail: &str| EditError::Internal {
        detail: detail.to_string(),
    };
    let expected = apply(before.clone(), op).map_err(|()| internal("预期结果无法计算"))?;
    let actual = serde_yaml::from_str::<Value>(after_text)
        .map_err(|e| internal(&format!("修改后无法读取：{e}")))?;
    if same(&expected, &actual) {
        Ok(())
    } else {
        Err(internal("修改后读出的内容与预期不同"))
    }
}

/// The value with `op` applied, as the edited text should read.
pub(super) fn apply(mut root: Value, op: &Op) -> Result<Value, ()> {
    match op {
        Op::Set(path, value) => set(&mut root, path, to_value(value))?,
        Op::Remove(path) => remove(&mut root, path)?,
        Op::Append(path, value) => {
            let target = reach(&mut root, path)?;
            match target {
                Value::Null => *target = Value::Sequence(vec![to_value(value)]),
                Value::Sequence(items) => items.push(to_value(value)),
                _ => return Err(()),
            }
        }
    }
    Ok(root)
}

pub(super) fn to_value(value: &NewValue) -> Value {
    match value {
        NewValue::Null => Value::Null,
        NewValue::Bool(b) => Value::Bool(*b),
        NewValue::Int(i) => Value::Number((*i).into()),
        NewValue::Float(f) => Value::Number((*f).into()),
        NewValue::Str(s) => Value::String(s.clone()),
        // serde_yaml has no date type: a date reads as its text.
        NewValue::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        NewValue::List(items) => Value::Sequence(items.iter().map(to_value).collect()),
        NewValue::Map(entries) => Value::Mapping(
            entries
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), to_value(v)))
                .collect(),
        ),
    }
}

/// Whether a key as serde_yaml read it is the one named `name` (a plain
/// `16:` is the number 16, and is found as "16").
pub(super) fn key_matches(key: &Value, name: &str) -> bool {
    match key {
        Value::String(s) => s == name,
        Value::Number(n) => n.to_string() == name,
        Value::Bool(b) => b.to_string() == name,
        _ => false,
    }
}

fn set(node: &mut Value, path: &[Key], value: Value) -> Result<(), ()> {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return Ok(());
    };
    match first {
        Key::Map(name) => {
            if node.is_null() {
                *node = Value::Mapping(Mapping::new());
            }
            let Value::Mapping(map) = node else {
                return Err(());
            };
            match map.iter_mut().find(|(k, _)| key_matches(k, name)) {
                Some((_, child)) => set(child, rest, value),
                None => {
                    let mut child = Value::Null;
                    set(&mut child, rest, value)?;
                    map.insert(Value::String((*name).to_string()), child);
                    Ok(())
                }
            }
        }
        Key::Index(i) => match node {
            Value::Sequence(items) => set(items.get_mut(*i).ok_or(())?, rest, value),
            _ => Err(()),
        },
    }
}

fn remove(node: &mut Value, path: &[Key]) -> Result<(), ()> {
    let Some((last, parents)) = path.split_last() else {
        return Err(());
    };
    let mut node = node;
    for key in parents {
        node = match (key, node) {
            (Key::Map(name), Value::Mapping(map)) => {
                match map.iter_mut().find(|(k, _)| key_matches(k, name)) {
                    Some((_, child)) => child,
                    None => return Ok(()),
                }
            }
            (Key::Index(i), Value::Sequence(items)) => match items.get_mut(*i) {
                Some(child) => child,
                None => return Ok(()),
            },
            (_, Value::Null) => return Ok(()),
            _ => return Err(()),
        };
    }
    match (last, node) {
        (Key::Map(name), Value::Mapping(map)) => {
            let key = map.keys().find(|k| key_matches(k, name)).cloned();
            if let Some(key) = key {
                map.shift_remove(&key);
            }
        }
        (Key::Index(i), Value::Sequence(items)) => {
            if *i < items.len() {
                items.remove(*i);
            }
        }
        (_, Value::Null) => {}
        _ => return Err(()),
    }
    Ok(())
}

/// The node at `path`, missing keys created as null.
fn reach<'v>(node: &'v mut Value, path: &[Key]) -> Result<&'v mut Value, ()> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(node);
    };
    match first {
        Key::Map(name) => {
            if node.is_null() {
                *node = Value::Mapping(Mapping::new());
            }
            let Value::Mapping(map) = node else {
                return Err(());
            };
            let key = match map.keys().find(|k| key_matches(k, name)) {
                Some(k) => k.clone(),
                None => {
                    let key = Value::String((*name).to_string());
                    map.insert(key.clone(), Value::Null);
                    key
                }
            };
            reach(map.get_mut(&key).ok_or(())?, rest)
        }
        Key::Index(i) => match node {
            Value::Sequence(items) => reach(items.get_mut(*i).ok_or(())?, rest),
            _ => Err(()),
        },
    }
}

/// Equal, with mapping keys in the same order (serde_yaml's own equality
/// ignores the order, which the edit must keep).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Mapping(x), Value::Mapping(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Tagged(x), Value::Tagged(y)) => x.tag == y.tag && same(&x.value, &y.value),
        _ => a == b,
    }
}
