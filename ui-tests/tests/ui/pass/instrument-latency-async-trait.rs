//! `#[instrument_latency]` with `#[async_trait]`, in its three placements: above `#[async_trait]`
//! on the `impl` block (it sees the `async fn`s as written), below it, and on a method of an
//! `#[async_trait]` block (both see the `Box::pin(async move { ... })` that `#[async_trait]`
//! wrote); for `Send` traits, `?Send` traits and a default method of a trait.
//!
//! The module's local items shadow the names the expansion could use, as in
//! `hygiene.rs`, except `Box`: `#[async_trait]` itself writes `Box::pin` and
//! `Box<...>` unqualified, in the user's module. The last module shadows `Box` too, around a
//! method written by hand in `#[async_trait]`'s style.
#![allow(dead_code, non_camel_case_types, non_snake_case, unused_macros)]

mod shadowed {
    mod std {}
    mod core {}
    mod metrics_core {}
    mod inventory {}
    mod async_trait {}
    struct Result;
    struct Option;
    struct Pin;
    struct Future;
    struct Send;
    struct Sync;
    struct Instant;
    struct Duration;
    struct OnceLock;
    struct ManuallyDrop;
    struct FnOnce;
    struct usize;
    struct bool;
    struct str;
    fn Ok() {}
    fn Err() {}
    fn Some() {}
    fn None() {}
    fn drop() {}
    fn forget() {}
    macro_rules! panic {
        ($($t:tt)*) => {
            compile_error!("the local `panic!` was used")
        };
    }
    macro_rules! module_path {
        () => {
            compile_error!("the local `module_path!` was used")
        };
    }
    macro_rules! concat {
        ($($t:tt)*) => {
            compile_error!("the local `concat!` was used")
        };
    }

    use ::async_trait::async_trait;
    use ::metrics_core::instrument_latency;

    #[async_trait]
    pub trait Store {
        async fn get(&self, key: &::core::primitive::str) -> ::core::primitive::usize;
        async fn put<T>(&mut self, value: T) -> ::core::primitive::usize
        where
            T: ::core::convert::Into<::core::primitive::usize> + ::core::marker::Send;
        async fn parse(
            &self,
            input: &::core::primitive::str,
        ) -> ::core::result::Result<u8, ::std::num::ParseIntError>;

        /// A default method: `#[async_trait]` boxes its future too.
        #[instrument_latency(name = "Store::version")]
        async fn version(&self) -> u8 {
            1
        }
    }

    /// `#[instrument_latency]` above `#[async_trait]`.
    pub struct Ledger(pub ::core::primitive::usize);

    #[instrument_latency]
    #[async_trait]
    impl Store for Ledger {
        async fn get(&self, key: &::core::primitive::str) -> ::core::primitive::usize {
            // The user's own names, the same as the expansion's locals.
            let __metrics_timer = key.len();
            let __metrics_ret = self.0;
            __metrics_timer + __metrics_ret
        }

        async fn put<T>(&mut self, value: T) -> ::core::primitive::usize
        where
            T: ::core::convert::Into<::core::primitive::usize> + ::core::marker::Send,
        {
            self.0 += value.into();
            self.0
        }

        async fn parse(
            &self,
            input: &::core::primitive::str,
        ) -> ::core::result::Result<u8, ::std::num::ParseIntError> {
            let n: u8 = input.parse()?;
            ::core::result::Result::Ok(n)
        }

        #[instrument_latency(skip)]
        async fn version(&self) -> u8 {
            2
        }
    }

    /// `#[instrument_latency]` below `#[async_trait]`.
    pub struct Vault(pub ::core::primitive::usize);

    #[async_trait]
    #[instrument_latency]
    impl Store for Vault {
        async fn get(&self, key: &::core::primitive::str) -> ::core::primitive::usize {
            let __metrics_timer = key.len();
            __metrics_timer + self.0
        }

        async fn put<T>(&mut self, value: T) -> ::core::primitive::usize
        where
            T: ::core::convert::Into<::core::primitive::usize> + ::core::marker::Send,
        {
            self.0 += value.into();
            self.0
        }

        async fn parse(
            &self,
            input: &::core::primitive::str,
        ) -> ::core::result::Result<u8, ::std::num::ParseIntError> {
            let n: u8 = input.parse()?;
            ::core::result::Result::Ok(n)
        }
    }

    /// `#[instrument_latency]` on the methods of an `#[async_trait]` block.
    pub struct Depot(pub ::core::primitive::usize);

    #[async_trait]
    impl Store for Depot {
        #[instrument_latency]
        async fn get(&self, key: &::core::primitive::str) -> ::core::primitive::usize {
            let __metrics_ret = key.len();
            __metrics_ret + self.0
        }

        #[instrument_latency(name = "Depot::put")]
        async fn put<T>(&mut self, value: T) -> ::core::primitive::usize
        where
            T: ::core::convert::Into<::core::primitive::usize> + ::core::marker::Send,
        {
            self.0 += value.into();
            self.0
        }

        #[instrument_latency(crate = ::metrics_core)]
        async fn parse(
            &self,
            input: &::core::primitive::str,
        ) -> ::core::result::Result<u8, ::std::num::ParseIntError> {
            let n: u8 = input.parse()?;
            ::core::result::Result::Ok(n)
        }
    }

    /// `#[async_trait(?Send)]`: the futures hold an `Rc` across an `.await`, so are not `Send`.
    #[async_trait(?Send)]
    pub trait Local {
        async fn count(&self) -> ::core::primitive::usize;
        async fn fail(&self) -> u8;

        #[instrument_latency(name = "Local::version")]
        async fn version(&self) -> u8 {
            let shared = ::std::rc::Rc::new(3u8);
            async {}.await;
            *shared
        }
    }

    #[instrument_latency]
    #[async_trait(?Send)]
    impl Local for Ledger {
        async fn count(&self) -> ::core::primitive::usize {
            self.0.pow(2)
        }

        async fn fail(&self) -> u8 {
            ::core::panic!("never returns")
        }
    }

    #[async_trait(?Send)]
    #[instrument_latency]
    impl Local for Vault {
        async fn count(&self) -> ::core::primitive::usize {
            let shared = ::std::rc::Rc::new(self.0);
            async {}.await;
            *shared
        }

        async fn fail(&self) -> u8 {
            ::core::panic!("never returns")
        }
    }

    #[async_trait(?Send)]
    impl Local for Depot {
        #[instrument_latency]
        async fn count(&self) -> ::core::primitive::usize {
            let shared = ::std::rc::Rc::new(self.0);
            async {}.await;
            *shared
        }

        #[instrument_latency]
        async fn fail(&self) -> u8 {
            ::core::panic!("never returns")
        }
    }
}

/// `Box` shadowed as well: a method in `#[async_trait]`'s style, written by hand.
mod boxed_by_hand {
    struct Box;
    struct Pin;
    struct Future;
    struct Send;

    use ::metrics_core::instrument_latency;

    pub struct Cache;

    #[instrument_latency]
    impl Cache {
        pub fn get<'a>(
            &'a self,
            key: &'a ::core::primitive::str,
        ) -> ::core::pin::Pin<
            ::std::boxed::Box<
                dyn ::core::future::Future<Output = ::core::primitive::usize>
                    + ::core::marker::Send
                    + 'a,
            >,
        > {
            ::std::boxed::Box::pin(async move { key.len() })
        }
    }
}

/// Polls `future` to completion; the futures here never wait on anything.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn assert_send<T: Send>(_: &T) {}

/// Every method of `store`, holding 1, through its future.
fn exercise<S: shadowed::Store>(store: &mut S) {
    assert_send(&store.get("ab"));
    assert_eq!(block_on(store.get("ab")), 3);
    assert_eq!(block_on(store.put(2u8)), 3);
    assert_eq!(block_on(store.parse("5")), Ok(5));
    assert!(block_on(store.parse("x")).is_err());
}

fn main() {
    use shadowed::{Depot, Ledger, Local, Store, Vault};

    let (mut ledger, mut vault, mut depot) = (Ledger(1), Vault(1), Depot(1));
    exercise(&mut ledger);
    exercise(&mut vault);
    exercise(&mut depot);
    assert_eq!(block_on(Store::version(&ledger)), 2);
    assert_eq!(block_on(Store::version(&vault)), 1);
    assert_eq!(block_on(Local::count(&ledger)), 9);
    assert_eq!(block_on(Local::count(&vault)), 3);
    assert_eq!(block_on(Local::count(&depot)), 3);
    assert_eq!(block_on(Local::version(&depot)), 3);
    assert_eq!(block_on(boxed_by_hand::Cache.get("abc")), 3);
    metrics_core::check().unwrap();
}
