//! The `microreg` command line.

// Like the library outside its C ABI, the CLI has no unsafe code.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
