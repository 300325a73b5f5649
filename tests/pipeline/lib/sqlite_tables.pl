# What a Singer stream should leave in a SQLite database, checked with the sqlite3 shell:
#   perl sqlite_tables.pl [--append] DATABASE STREAM_FILE
# For every stream with a SCHEMA: the table exists, has a column per top-level property of
# any of its SCHEMA messages (flattening off; extra columns only _sdc_*), and holds the
# records: with key properties one row per key, the last record's fields winning and a
# missing field leaving the earlier value (upsert); without keys, or with --append, every
# record in input order. Values: null is NULL, booleans 0/1, numbers equal as numbers,
# strings byte for byte (date-times as the same instant), objects and arrays as JSON text
# that decodes to the same value. Prints one line per problem; exit 1 when there are any.
# The rules shared with pg_tables.pl live in SingerTables.pm.
use strict;
use warnings;
use Encode ();
use FindBin ();
use lib $FindBin::Bin;
use SingerTables ();

my $append = 0;
if (@ARGV && $ARGV[0] eq '--append') { $append = 1; shift @ARGV }
my ($db, $input) = @ARGV;
die "usage: sqlite_tables.pl [--append] DATABASE STREAM_FILE\n" unless defined $input;
binmode STDOUT, ':encoding(UTF-8)';
my $expected = SingerTables::read_stream($input, $append);
*problem = \&SingerTables::problem;
*quote_ident = \&SingerTables::quote_ident;
*quote_text = \&SingerTables::quote_text;

sub sql {
  my ($query) = @_;
  open my $fh, '-|', 'sqlite3', '-json', $db, Encode::encode('UTF-8', $query) or die "sqlite3: $!\n";
  local $/;
  my $text = <$fh>;
  close $fh or return undef;
  return [] unless defined $text && $text =~ /\S/;
  return $SingerTables::json->decode($text);
}

# SQLite gives booleans as 0/1 and objects and arrays as JSON text.
sub same {
  my ($want, $got) = @_;
  return !defined $got if !defined $want;
  return 0 if !defined $got;
  if (JSON::PP::is_bool($want)) { return !ref $got && ($got eq ($want ? '1' : '0')) }
  if (ref $want) {
    return 0 if ref $got;
    my $text_json = $SingerTables::text_json;
    my $decoded = eval { $text_json->decode($got) };
    return defined $decoded && $text_json->encode($decoded) eq $text_json->encode($want);
  }
  return SingerTables::same_scalar($want, $got);
}

sub value_of {
  my ($type, $hex) = @_;
  return undef if $type eq 'null';
  my $bytes = pack 'H*', $hex;
  return $type eq 'blob' ? $bytes : Encode::decode('UTF-8', $bytes);
}

my $tables = sql("select name from sqlite_master where type = 'table'") // [];
my %exists = map { lc($_->{name}) => 1 } @$tables;
for my $s (@{ $expected->{order} }) {
  unless ($exists{ lc $s }) { problem("stream '$s': no table"); next }
  my @names = map { $_->{name} } @{ sql('select name from pragma_table_info(' . quote_text($s) . ')') // [] };
  SingerTables::check_columns($expected, $s, $s, \@names);
  # Each value as its storage class and the hex of its bytes: the shell's own output
  # would stop a string at a NUL.
  my $select = join ', ', map { "typeof(" . quote_ident($names[$_]) . ") as t$_, hex(" . quote_ident($names[$_]) . ") as h$_" } 0 .. $#names;
  my $got = [ map { my $r = $_; +{ map { ($names[$_] => value_of($r->{"t$_"}, $r->{"h$_"})) } 0 .. $#names } }
              @{ sql("select $select from " . quote_ident($s) . ' order by rowid') // [] } ];
  SingerTables::check_rows($expected, $s, $s, $got, \&same);
}
SingerTables::finish();
