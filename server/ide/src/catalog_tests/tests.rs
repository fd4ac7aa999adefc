//! Tests of test discovery, lenses and the "accept actual" rendering.

use super::*;
use crate::fixture::{analysis, url};
