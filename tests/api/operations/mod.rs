//! Running the product: the `orgcms` binary, migrations, the seed content, export and import,
//! and the API guide's examples executed as written.

mod cli;
mod guide;
mod metrics;
mod migrations;
mod portability;
mod readme;
mod seed;
