mod parser;
