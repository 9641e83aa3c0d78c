use metrics_core::instrument_latency;

pub struct Store;

#[instrument_latency(zero = [error, panic])]
impl Store {
    pub fn get(&self, key: u32) -> Result<u32, String> {
        key.checked_sub(1).ok_or_else(|| "no key 0".to_owned())
    }

    pub fn len(&self) -> usize {
        0
    }
}

fn main() {
    let _ = (Store.get(1), Store.len());
}
