# What a Singer stream should leave in a SQL target's tables, shared by sqlite_tables.pl
# and pg_tables.pl (each adds only how it queries its database and how values come back):
# the expected rows per stream (upsert by key properties, or appended), the value rules
# (numbers equal as numbers, date-times as the same instant) and the table comparison.
package SingerTables;
use strict;
use warnings;
use B ();
use JSON::PP ();
use Time::Local qw(timegm);

our $json = JSON::PP->new->utf8->canonical;
our $text_json = JSON::PP->new->canonical;  # for JSON text already decoded from UTF-8
my @problems;

sub problem { push @problems, join '', @_ }

# Prints the problems; exits 1 when there are any.
sub finish { print "$_\n" for @problems; exit(@problems ? 1 : 0) }

sub quote_ident { my $s = shift; $s =~ s/"/""/g; qq("$s") }
sub quote_text { my $s = shift; $s =~ s/'/''/g; qq('$s') }
sub is_number {
  my $v = shift;
  return 0 if !defined $v || ref $v;
  my $flags = B::svref_2object(\$v)->FLAGS;
  return ($flags & (B::SVp_IOK | B::SVp_NOK)) && !($flags & B::SVp_POK);
}
sub key_text { my $v = shift; defined $v ? (is_number($v) ? 0 + $v : "$v") : "\0null" }
sub show { my $v = shift; defined $v ? (ref $v ? $text_json->encode($v) : "'$v'") : 'NULL' }

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

# A number or string the record holds against what the table gave back.
sub same_scalar {
  my ($want, $got) = @_;
  if (is_number($want)) {
    return 0 if (ref $got && !JSON::PP::is_bool($got)) || $got !~ /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
    my $scale = abs($want) > 1 ? abs($want) : 1;
    return abs($want - $got) <= 1e-12 * $scale;
  }
  return 1 if !ref $got && $got eq $want;
  my ($a, $b) = (instant($want), instant($got));
  return defined $a && defined $b && $a eq $b;
}

# The streams of a Singer message file: {order => [...], keys => {s => [...]},
# columns => {s => {name => 1}}, rows => {s => [...]}}. With keys, the last record's fields
# win and a missing field keeps the earlier value; without keys, or with $append, every
# record in input order.
sub read_stream {
  my ($input, $append) = @_;
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
  return { order => \@order, keys => \%keys, columns => \%columns, rows => \%rows };
}

# Column names first (extra columns only _sdc_*): false when the rows need not be read.
sub check_columns {
  my ($expected, $s, $table, $names) = @_;
  my %have = map { $_ => 1 } @$names;
  my $columns = $expected->{columns}{$s};
  for my $c (sort keys %$columns) { problem("table '$table': no column '$c'") unless $have{$c} }
  for my $c (sort keys %have) {
    problem("table '$table': unexpected column '$c'") unless $columns->{$c} || $c =~ /^_sdc_/;
  }
}

# The table's rows (hashes by column name, in insertion order) against the stream's,
# values compared with $same->(want, got).
sub check_rows {
  my ($expected, $s, $table, $got, $same) = @_;
  my $want = $expected->{rows}{$s};
  if (@$got != @$want) { problem("table '$table': ", scalar(@$got), ' rows, expected ', scalar(@$want)); return }
  my @k = @{ $expected->{keys}{$s} };
  my @pairs;
  if (@k) {
    my %index = map { my $r = $_; (join("\x1f", map { key_text($r->{$_}) } @k) => $r) } @$got;
    for my $w (@$want) {
      my $id = join "\x1f", map { key_text($w->{$_}) } @k;
      my $g = $index{$id} or do { problem("table '$table': no row for key ", join(',', map { show($w->{$_}) } @k)); next };
      push @pairs, [$w, $g];
    }
  } else {
    @pairs = map { [$want->[$_], $got->[$_]] } 0 .. $#$want;
  }
  my $shown = 0;
  for my $p (@pairs) {
    my ($w, $g) = @$p;
    for my $c (sort keys %{ $expected->{columns}{$s} }) {
      next if $same->($w->{$c}, $g->{$c});
      problem("table '$table': column '$c': got ", show($g->{$c}), ', expected ', show($w->{$c})) if $shown++ < 5;
    }
  }
}

1;
