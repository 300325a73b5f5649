# What a Singer stream should leave in PostgreSQL (target-postgres), checked with psql:
#   perl pg_tables.pl [--append] STREAM_FILE      (connection from PGHOST, PGPORT, ...)
# The rules of sqlite_tables.pl: for every stream with a SCHEMA, its table (schema-table
# streams in that schema, others in public) has a column per top-level property (extra
# columns only _sdc_*) and holds the records: with key properties one row per key, the last
# record's fields winning and a missing field leaving the earlier value; without keys, or
# with --append, every record in input order. Values: null is NULL, booleans as booleans,
# numbers equal as numbers, strings as they are (date-times as the same instant), objects
# and arrays as JSON that decodes to the same value. One line per problem; exit 1 if any.
# The rules shared with sqlite_tables.pl live in SingerTables.pm.
use strict;
use warnings;
use Encode ();
use FindBin ();
use lib $FindBin::Bin;
use SingerTables ();

my $append = 0;
if (@ARGV && $ARGV[0] eq '--append') { $append = 1; shift @ARGV }
my ($input) = @ARGV;
die "usage: pg_tables.pl [--append] STREAM_FILE\n" unless defined $input;
binmode STDOUT, ':encoding(UTF-8)';
my $expected = SingerTables::read_stream($input, $append);
*problem = \&SingerTables::problem;
*quote_ident = \&SingerTables::quote_ident;
*quote_text = \&SingerTables::quote_text;

sub sql {
  my ($query) = @_;
  my $wrapped = "select coalesce(json_agg(row_to_json(q)), '[]') from ($query) q";
  open my $fh, '-|', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', Encode::encode('UTF-8', $wrapped)
    or die "psql: $!\n";
  local $/;
  my $text = <$fh>;
  close $fh or return undef;
  return [] unless defined $text && $text =~ /\S/;
  return $SingerTables::json->decode($text);
}

# PostgreSQL gives booleans as booleans and jsonb as decoded JSON.
sub same {
  my ($want, $got) = @_;
  return !defined $got if !defined $want;
  return 0 if !defined $got;
  if (JSON::PP::is_bool($want)) { return JSON::PP::is_bool($got) && ($got ? 1 : 0) == ($want ? 1 : 0) }
  if (ref $want) {
    my $text_json = $SingerTables::text_json;
    return ref $got && $text_json->encode($got) eq $text_json->encode($want);
  }
  return SingerTables::same_scalar($want, $got);
}

sub table_of {
  my $s = shift;
  my @parts = split /-/, $s, -1;
  return ('public', $s) unless (@parts == 2 || @parts == 3) && !grep { $_ eq '' } @parts;
  return ($parts[-2], $parts[-1]);
}

for my $s (@{ $expected->{order} }) {
  my ($schema, $table) = table_of($s);
  my $qualified = quote_ident($schema) . '.' . quote_ident($table);
  my $found = sql('select to_regclass(' . quote_text($qualified) . ')::text as t') // [];
  unless (@$found && defined $found->[0]{t}) { problem("stream '$s': no table $qualified"); next }
  my $info = sql('select attname as name from pg_attribute where attrelid = ' . quote_text($qualified) .
                 '::regclass and attnum > 0 and not attisdropped order by attnum') // [];
  SingerTables::check_columns($expected, $s, $s, [ map { $_->{name} } @$info ]);
  SingerTables::check_rows($expected, $s, $s, sql("select * from $qualified order by ctid") // [], \&same);
}
SingerTables::finish();
