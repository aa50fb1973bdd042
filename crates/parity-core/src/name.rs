//! [`Name`]: the name of an attribute or a tag, shared text.
//!
//! A large estate's resources repeat the same few dozen names hundreds of thousands of times
//! (60,000 resources hold 720,000 attributes under about 50 names). Each name is held once per
//! thread and shared by reference count, instead of one allocation per resource and name (issue
//! 19, "Memory").

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// The most distinct names a thread keeps for sharing. When the set is full, the names no longer
/// held elsewhere leave it; if it is still full, a new name is allocated on its own (tag keys
/// are the users' own text, so the set must not grow without bound).
const SHARED_NAMES: usize = 1 << 16;

thread_local! {
    static NAMES: RefCell<FxHashSet<Arc<str>>> = RefCell::new(FxHashSet::default());
}

/// The name of an attribute or a tag: reads like a `&str` (it dereferences to one, compares
/// with strings, prints and serialises as its text), clones without copying the text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    /// The name `text`, sharing the text of an equal name this thread made before.
    pub fn new(text: &str) -> Self {
        NAMES
            .try_with(|names| {
                let mut names = names.borrow_mut();
                if let Some(shared) = names.get(text) {
                    return Name(shared.clone());
                }
                if names.len() >= SHARED_NAMES {
                    // names no resource holds any more make room (the set is their only holder)
                    names.retain(|n| Arc::strong_count(n) > 1);
                }
                let name: Arc<str> = Arc::from(text);
                if names.len() < SHARED_NAMES {
                    names.insert(name.clone());
                }
                Name(name)
            })
            // while the thread's storage is being torn down: a name of its own
            .unwrap_or_else(|_| Name(Arc::from(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of the shared text: two names alive at once with one address have one text
    /// (equal texts may still lie at two addresses, e.g. names made on two threads; a freed
    /// name's address may be reused). A cheap key for a lookup in front of one by text, while
    /// the names looked up are held.
    pub fn addr(&self) -> usize {
        text_addr(&self.0)
    }
}

/// The address of a shared text (see [`Name::addr`]).
pub fn text_addr(text: &Arc<str>) -> usize {
    Arc::as_ptr(text).cast::<u8>().addr()
}

/// Ids of texts, numbered in the order first given, looked up by the address of a shared text
/// ([`text_addr`]) before the text itself: where the texts are shared (names, a matrix's keys
/// and kinds),
/// most lookups hash an address. Texts at two addresses get one id.
#[derive(Debug, Default)]
pub struct TextIds<'a> {
    list: Vec<&'a str>,
    by_text: FxHashMap<&'a str, u32>,
    by_addr: FxHashMap<usize, u32>,
}

impl<'a> TextIds<'a> {
    /// The id of `text`, added when new.
    pub fn id(&mut self, text: &'a str) -> u32 {
        let TextIds { list, by_text, .. } = self;
        *by_text.entry(text).or_insert_with(|| {
            list.push(text);
            u32::try_from(list.len() - 1).expect("fewer than 2³² texts")
        })
    }

    /// The id of `text`, which lies at `addr`, added when new.
    pub fn id_at(&mut self, addr: usize, text: &'a str) -> u32 {
        if let Some(&id) = self.by_addr.get(&addr) {
            return id;
        }
        let id = self.id(text);
        self.by_addr.insert(addr, id);
        id
    }

    /// The id of `text`, which lies at `addr`, if it was given.
    pub fn get_at(&self, addr: usize, text: &str) -> Option<u32> {
        self.by_addr
            .get(&addr)
            .or_else(|| self.by_text.get(text))
            .copied()
    }

    /// The texts by id.
    pub fn list(&self) -> &[&'a str] {
        &self.list
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name::new(&text)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl serde::de::Visitor<'_> for NameVisitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name")
            }

            // the text is looked up where it lies: a name seen before costs no allocation
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Name, E> {
                Ok(Name::new(text))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_names_share_their_text_and_read_as_strings() {
        let a = Name::from("engine_version");
        let b: Name = serde_json::from_str(r#""engine_version""#).unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "engine_version");
        assert_eq!("engine_version", a);
        assert_eq!(a, String::from("engine_version"));
        assert!(a.starts_with("engine"));
        assert_eq!(format!("{a} {a:?}"), r#"engine_version "engine_version""#);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""engine_version""#);
        // escaped text is read like any other
        let c: Name = serde_json::from_str(r#""tag\"quoted""#).unwrap();
        assert_eq!(c, "tag\"quoted");
        let (a, b) = (Name::from("a"), Name::from("b"));
        assert!(a < b);
    }

    #[test]
    fn a_full_set_of_names_makes_room_for_new_ones() {
        // on a thread of its own: its set starts empty and no other test adds to it
        std::thread::spawn(|| {
            let held: Vec<Name> = (0..SHARED_NAMES / 2)
                .map(|i| Name::new(&format!("held-{i}")))
                .collect();
            for i in 0..SHARED_NAMES {
                drop(Name::new(&format!("dropped-{i}")));
            }
            NAMES.with(|n| assert_eq!(n.borrow().len(), SHARED_NAMES));
            // full: the dropped names leave, the held ones stay shared
            let late = Name::new("late");
            NAMES.with(|n| assert_eq!(n.borrow().len(), SHARED_NAMES / 2 + 1));
            assert!(Arc::ptr_eq(&late.0, &Name::new("late").0));
            assert!(Arc::ptr_eq(&held[7].0, &Name::new("held-7").0));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn text_ids_number_texts_once_whatever_their_address() {
        let a: Arc<str> = Arc::from("instance_type");
        let b: Arc<str> = Arc::from("instance_type"); // the same text elsewhere
        let c: Arc<str> = Arc::from("engine");
        let mut ids = TextIds::default();
        assert_eq!(ids.id_at(text_addr(&a), &a), 0);
        assert_eq!(ids.id_at(text_addr(&c), &c), 1);
        assert_eq!(ids.id_at(text_addr(&b), &b), 0);
        assert_eq!(ids.id("engine"), 1);
        assert_eq!(ids.id("zone"), 2);
        assert_eq!(ids.list(), ["instance_type", "engine", "zone"]);
        let d: Arc<str> = Arc::from("engine"); // never given at this address
        assert_eq!(ids.get_at(text_addr(&d), &d), Some(1));
        assert_eq!(ids.get_at(text_addr(&d), "other"), None);
    }
}
