mod reference;
mod report;
