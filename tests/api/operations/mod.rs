//! Running the product: the `orgcms` binary, migrations, the seed content, and the API guide's
//! examples executed as written.

mod cli;
mod guide;
mod migrations;
mod seed;
