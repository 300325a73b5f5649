# What a Singer stream should leave in PostgreSQL (target-postgres), checked with psql:
#   perl pg_tables.pl [--append] STREAM_FILE      (connection from PGHOST, PGPORT, ...)
# The rules of sqlite_tables.pl: for every stream with a SCHEMA, its table (schema-table
# streams in that schema, others in public) has a column per top-level property (extra
# columns only _sdc_*) and holds the records: with key properties one row per key, the last
# record's fields winning and a missing field leaving the earlier value; without keys, or
# with --append, every record in input order. Values: null is NULL, booleans as booleans,
# numbers equal as numbers, strings as they are (date-times as the same instant), objects
# and arrays as JSON that decodes to the same value. One line per problem; exit 1 if any.
use strict;
use warnings;
use B ();
use Encode ();
use JSON::PP ();
use Time::Local qw(timegm);

my $append = 0;
if (@ARGV && $ARGV[0] eq '--append') { $append = 1; shift @ARGV }
my ($input) = @ARGV;
die "usage: pg_tables.pl [--append] STREAM_FILE\n" unless defined $input;

my $json = JSON::PP->new->utf8->canonical;
my $text_json = JSON::PP->new->canonical;  # for JSON text already decoded from UTF-8
binmode STDOUT, ':encoding(UTF-8)';
my (%keys, %columns, @order, %rows, %by_key, %seen);
open my $in, '<', $input or die "$input: $!\n";
while (my $line = <$in>) {
  next unless $line =~ /\S/;
  my $m = eval { $json->decode($line) } or next;
  my ($type, $s) = ($m->{type} // '', $m->{stream});
  if ($type eq 'SCHEMA') {
    push @order, $s unless $seen{$s}++;
    $keys{$s} = $append ? [] : ($m->{key_properties} // []);
    $columns{$s}{$_} = 1 for keys %{ $m->{schema}{properties} // {} };
    $rows{$s} //= [];
  } elsif ($type eq 'RECORD') {
    my $r = $m->{record};
    my @k = @{ $keys{$s} // [] };
    if (@k) {
      my $id = join "\x1f", map { key_text($r->{$_}) } @k;
      if (my $old = $by_key{$s}{$id}) {
        $old->{$_} = $r->{$_} for keys %$r;
      } else {
        my %copy = %$r;
        $by_key{$s}{$id} = \%copy;
        push @{ $rows{$s} }, \%copy;
      }
    } else {
      push @{ $rows{$s} }, $r;
    }
  }
}

my @problems;
sub problem { push @problems, join '', @_ }

sub sql {
  my ($query) = @_;
  my $wrapped = "select coalesce(json_agg(row_to_json(q)), '[]') from ($query) q";
  open my $fh, '-|', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', Encode::encode('UTF-8', $wrapped)
    or die "psql: $!\n";
  local $/;
  my $text = <$fh>;
  close $fh or return undef;
  return [] unless defined $text && $text =~ /\S/;
  return $json->decode($text);
}

sub quote_ident { my $s = shift; $s =~ s/"/""/g; qq("$s") }
sub quote_text { my $s = shift; $s =~ s/'/''/g; qq('$s') }
sub is_number {
  my $v = shift;
  return 0 if !defined $v || ref $v;
  my $flags = B::svref_2object(\$v)->FLAGS;
  return ($flags & (B::SVp_IOK | B::SVp_NOK)) && !($flags & B::SVp_POK);
}
sub key_text { my $v = shift; defined $v ? (is_number($v) ? 0 + $v : "$v") : "\0null" }

# RFC 3339 -> seconds since the epoch (with the fraction as text), or undef.
sub instant {
  my $s = shift;
  return undef unless defined $s && !ref $s
    && $s =~ /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/i;
  my $t = timegm($6, $5, $4, $3, $2 - 1, $1);
  my $zone = $8 // 'Z';
  if ($zone =~ /^([+-])(\d\d):?(\d\d)$/) { $t -= ($1 eq '-' ? -1 : 1) * ($2 * 3600 + $3 * 60) }
  my $frac = $7 // '';
  $frac =~ s/0+$//;
  $frac = '' if $frac eq '.';
  return "$t$frac";
}

sub same {
  my ($want, $got) = @_;
  return !defined $got if !defined $want;
  return 0 if !defined $got;
  if (JSON::PP::is_bool($want)) { return JSON::PP::is_bool($got) && ($got ? 1 : 0) == ($want ? 1 : 0) }
  if (ref $want) {
    return ref $got && $text_json->encode($got) eq $text_json->encode($want);
  }
  if (is_number($want)) {
    return 0 if (ref $got && !JSON::PP::is_bool($got)) || $got !~ /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
    my $scale = abs($want) > 1 ? abs($want) : 1;
    return abs($want - $got) <= 1e-12 * $scale;
  }
  return 1 if !ref $got && $got eq $want;
  my ($a, $b) = (instant($want), instant($got));
  return defined $a && defined $b && $a eq $b;
}

sub show { my $v = shift; defined $v ? (ref $v ? $text_json->encode($v) : "'$v'") : 'NULL' }

sub table_of {
  my $s = shift;
  my @parts = split /-/, $s, -1;
  return ('public', $s) unless (@parts == 2 || @parts == 3) && !grep { $_ eq '' } @parts;
  return ($parts[-2], $parts[-1]);
}

for my $s (@order) {
  my ($schema, $table) = table_of($s);
  my $qualified = quote_ident($schema) . '.' . quote_ident($table);
  my $found = sql('select to_regclass(' . quote_text($qualified) . ')::text as t') // [];
  unless (@$found && defined $found->[0]{t}) { problem("stream '$s': no table $qualified"); next }
  my $info = sql('select attname as name from pg_attribute where attrelid = ' . quote_text($qualified) .
                 '::regclass and attnum > 0 and not attisdropped order by attnum') // [];
  my %have = map { $_->{name} => 1 } @$info;
  for my $c (sort keys %{ $columns{$s} }) { problem("table '$s': no column '$c'") unless $have{$c} }
  for my $c (sort keys %have) {
    problem("table '$s': unexpected column '$c'") unless $columns{$s}{$c} || $c =~ /^_sdc_/;
  }
  my $got = sql("select * from $qualified order by ctid") // [];
  my $want = $rows{$s};
  if (@$got != @$want) { problem("table '$s': ", scalar(@$got), ' rows, expected ', scalar(@$want)); next }
  my @k = @{ $keys{$s} };
  my @pairs;
  if (@k) {
    my %index = map { my $r = $_; (join("\x1f", map { key_text($r->{$_}) } @k) => $r) } @$got;
    for my $w (@$want) {
      my $id = join "\x1f", map { key_text($w->{$_}) } @k;
      my $g = $index{$id} or do { problem("table '$s': no row for key ", join(',', map { show($w->{$_}) } @k)); next };
      push @pairs, [$w, $g];
    }
  } else {
    @pairs = map { [$want->[$_], $got->[$_]] } 0 .. $#$want;
  }
  my $shown = 0;
  for my $p (@pairs) {
    my ($w, $g) = @$p;
    for my $c (sort keys %{ $columns{$s} }) {
      next if same($w->{$c}, $g->{$c});
      problem("table '$s': column '$c': got ", show($g->{$c}), ', expected ', show($w->{$c})) if $shown++ < 5;
    }
  }
}
print "$_\n" for @problems;
exit(@problems ? 1 : 0);
