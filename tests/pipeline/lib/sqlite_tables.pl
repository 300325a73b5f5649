# What a Singer stream should leave in a SQLite database, checked with the sqlite3 shell:
#   perl sqlite_tables.pl [--append] DATABASE STREAM_FILE
# For every stream with a SCHEMA: the table exists, has a column per top-level property of
# any of its SCHEMA messages (flattening off; extra columns only _sdc_*), and holds the
# records: with key properties one row per key, the last record's fields winning and a
# missing field leaving the earlier value (upsert); without keys, or with --append, every
# record in input order. Values: null is NULL, booleans 0/1, numbers equal as numbers,
# strings byte for byte (date-times as the same instant), objects and arrays as JSON text
# that decodes to the same value. Prints one line per problem; exit 1 when there are any.
use strict;
use warnings;
use B ();
use Encode ();
use JSON::PP ();
use Time::Local qw(timegm);

my $append = 0;
if (@ARGV && $ARGV[0] eq '--append') { $append = 1; shift @ARGV }
my ($db, $input) = @ARGV;
die "usage: sqlite_tables.pl [--append] DATABASE STREAM_FILE\n" unless defined $input;

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
  open my $fh, '-|', 'sqlite3', '-json', $db, Encode::encode('UTF-8', $query) or die "sqlite3: $!\n";
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
  if (JSON::PP::is_bool($want)) { return !ref $got && ($got eq ($want ? '1' : '0')) }
  if (ref $want) {
    return 0 if ref $got;
    my $decoded = eval { $text_json->decode($got) };
    return defined $decoded && $text_json->encode($decoded) eq $text_json->encode($want);
  }
  if (is_number($want)) {
    return 0 if ref $got || $got !~ /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
    my $scale = abs($want) > 1 ? abs($want) : 1;
    return abs($want - $got) <= 1e-12 * $scale;
  }
  return 1 if !ref $got && $got eq $want;
  my ($a, $b) = (instant($want), instant($got));
  return defined $a && defined $b && $a eq $b;
}

sub value_of {
  my ($type, $hex) = @_;
  return undef if $type eq 'null';
  my $bytes = pack 'H*', $hex;
  return $type eq 'blob' ? $bytes : Encode::decode('UTF-8', $bytes);
}

sub show { my $v = shift; defined $v ? (ref $v ? $text_json->encode($v) : "'$v'") : 'NULL' }

my $tables = sql("select name from sqlite_master where type = 'table'") // [];
my %exists = map { lc($_->{name}) => 1 } @$tables;
for my $s (@order) {
  unless ($exists{ lc $s }) { problem("stream '$s': no table"); next }
  my $info = sql('select name from pragma_table_info(' . quote_text($s) . ')') // [];
  my %have = map { $_->{name} => 1 } @$info;
  for my $c (sort keys %{ $columns{$s} }) { problem("table '$s': no column '$c'") unless $have{$c} }
  for my $c (sort keys %have) {
    problem("table '$s': unexpected column '$c'") unless $columns{$s}{$c} || $c =~ /^_sdc_/;
  }
  # Each value as its storage class and the hex of its bytes: the shell's own output
  # would stop a string at a NUL.
  my @names = map { $_->{name} } @$info;
  my $select = join ', ', map { "typeof(" . quote_ident($names[$_]) . ") as t$_, hex(" . quote_ident($names[$_]) . ") as h$_" } 0 .. $#names;
  my $got = [ map { my $r = $_; +{ map { ($names[$_] => value_of($r->{"t$_"}, $r->{"h$_"})) } 0 .. $#names } }
              @{ sql("select $select from " . quote_ident($s) . ' order by rowid') // [] } ];
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
